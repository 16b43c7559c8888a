"""addons/emc_metering's protocol modules and test peers, loaded by path (see _load.py)."""

import types

from _load import load


def protocol(name: str) -> types.ModuleType:
    """The module ``protocols/<name>.py`` (e.g. ``protocol("points")``)."""
    return load("emc_metering", f"protocols.{name}")


def simulators() -> types.ModuleType:
    """The module ``tests/simulators.py``."""
    return load("emc_metering", "tests.simulators")
