"""What the benchmarks share: the addons path, their throw-away databases, the registry.

The benchmarks run outside pytest against a database of their own; this
module builds it (the named addon installed without demo data, through the
same ``odoo`` binary and test configuration as scripts/test.sh) and opens an
Odoo registry on it.
"""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEST_CONF = os.path.join(ROOT, "config", "odoo-test.conf")


def addons_path():
    """Ours first, then Odoo's (the tree scripts/setup.sh recorded in .odoo-src)."""
    with open(os.path.join(ROOT, ".odoo-src")) as fh:
        src = fh.read().strip()
    return f"{ROOT}/addons,{src}/odoo/addons,{src}/addons"


def psql(sql, db="postgres"):
    """The text psql prints for ``sql`` (one value per line, unaligned)."""
    return subprocess.run(
        ["psql", "-d", db, "-tAc", sql], capture_output=True, text=True, check=True
    ).stdout.strip()


def database_exists(db):
    return psql(f"select 1 from pg_database where datname='{db}'") == "1"


def install_database(db, addon):
    """Create ``db`` with ``addon`` and its dependencies, without demo data."""
    print(f"creating database {db} ({addon}, no demo data)...", flush=True)
    subprocess.run(
        [
            os.path.join(ROOT, ".venv", "bin", "odoo"),
            "-c",
            TEST_CONF,
            f"--addons-path={addons_path()}",
            "-d",
            db,
            "-i",
            addon,
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
        ],
        check=True,
    )


def ensure_database(db, addon):
    """Reuse ``db`` when it exists, else install it with ``addon``."""
    if not database_exists(db):
        install_database(db, addon)


def open_registry(db):
    """The Odoo registry of ``db``, configured as scripts/test.sh configures Odoo."""
    sys.argv = [sys.argv[0]]
    import odoo
    from odoo.tools import config

    config.parse_config(
        ["-c", TEST_CONF, f"--addons-path={addons_path()}", "-d", db, "--log-level=warn"]
    )
    odoo.modules.module.initialize_sys_path()
    return odoo.modules.registry.Registry(db)
