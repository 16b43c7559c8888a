"""Load addons/emc_metering's pure-Python parts by file path, without Odoo.

The addon directory is registered as a synthetic package (it has no
``__init__.py`` yet, and once it has one that file will import the ORM), so
that the relative imports inside ``protocols/`` and ``tests/simulators.py``
resolve. ``tests/simulators.py`` is loaded on its own, without running
``tests/__init__.py``.
"""

import importlib
import importlib.machinery
import importlib.util
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ADDON = ROOT / "addons" / "emc_metering"
PACKAGE = "emc_metering_under_test"


def _package() -> types.ModuleType:
    if PACKAGE not in sys.modules:
        spec = importlib.machinery.ModuleSpec(PACKAGE, None, is_package=True)
        spec.submodule_search_locations = [str(ADDON)]
        sys.modules[PACKAGE] = importlib.util.module_from_spec(spec)
    return sys.modules[PACKAGE]


def protocol(name: str) -> types.ModuleType:
    """The module ``protocols/<name>.py`` (e.g. ``protocol("points")``)."""
    _package()
    return importlib.import_module(f"{PACKAGE}.protocols.{name}")


def simulators() -> types.ModuleType:
    """The module ``tests/simulators.py``."""
    _package()
    name = f"{PACKAGE}.tests.simulators"
    if name not in sys.modules:
        tests = types.ModuleType(f"{PACKAGE}.tests")
        tests.__path__ = [str(ADDON / "tests")]
        sys.modules.setdefault(tests.__name__, tests)
        spec = importlib.util.spec_from_file_location(name, ADDON / "tests" / "simulators.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
