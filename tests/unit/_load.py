"""Load a pure-Python package of an addon (``lib/``, ``protocols/``, ``mv/``) by path.

The addon itself is never imported (its ``__init__`` needs the ORM): the
folder is loaded as a top-level package of its own name, so that the
modules inside it import each other with relative imports as they do in
Odoo.
"""

import importlib
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load(addon, package, module=None):
    """The package ``addons/<addon>/<package>``, or its submodule ``module``."""
    name = f"_under_test_{addon}_{package}"
    if name not in sys.modules:
        folder = ROOT / "addons" / addon / package
        spec = importlib.util.spec_from_file_location(
            name, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        loaded = importlib.util.module_from_spec(spec)
        sys.modules[name] = loaded
        spec.loader.exec_module(loaded)
    return importlib.import_module(f"{name}.{module}") if module else sys.modules[name]
