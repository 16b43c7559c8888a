"""Load the pure-Python parts of an addon (``lib/``, ``protocols/``, ``mv/``, test peers) by path.

The addon itself is never imported: its ``__init__`` needs the ORM. Its folder
is registered as a synthetic package of its own (nothing of the addon's
``__init__.py`` runs), so that the modules inside import each other with
relative imports as they do in Odoo. The addon's ``tests`` folder is
registered the same way, so that test peers such as
``tests/simulators.py`` or ``tests/tsa_server.py`` load without the Odoo
test modules that ``tests/__init__.py`` imports.

    evidence = load("emc_workorder", "lib.evidence")
    simulators = load("emc_metering", "tests.simulators")
"""

import importlib
import importlib.machinery
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _synthetic(name, folder):
    if name not in sys.modules:
        spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = [str(folder)]
        sys.modules[name] = importlib.util.module_from_spec(spec)
    return sys.modules[name]


def load(addon, dotted):
    """The module ``addons/<addon>/<dotted path>`` (a package or a module)."""
    folder = ROOT / "addons" / addon
    package = f"_under_test_{addon}"
    _synthetic(package, folder)
    _synthetic(f"{package}.tests", folder / "tests")
    return importlib.import_module(f"{package}.{dotted}")
