# Shared helpers for the scripts in this folder; sourced, never run.
# shellcheck shell=bash

ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
VENV="${VENV:-$ROOT/.venv}"
# The fixed place where setup looks for an Odoo 18.0 tree after ODOO_SRC.
ODOO_DEFAULT_SRC="/opt/odoo18"

step() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
warn() { printf '\033[1;33mwarning:\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# The Odoo source recorded by the last setup run.
odoo_src() {
    [ -f "$ROOT/.odoo-src" ] || die "run scripts/setup.sh first"
    cat "$ROOT/.odoo-src"
}

# Addons path: ours first, then Odoo's. The OCA addons installed from PyPI
# live in site-packages/odoo/addons, which Odoo finds on its own.
addons_path() {
    local src
    src="$(odoo_src)"
    echo "$ROOT/addons,$src/odoo/addons,$src/addons"
}

# Run Odoo with a config file from config/ (default: the development one).
odoo_cli() {
    local conf="${ODOO_CONF:-$ROOT/config/odoo.conf}"
    (cd "$ROOT" && "$VENV/bin/odoo" -c "$conf" --addons-path="$(addons_path)" "$@")
}

# Our installable addons, one per line.
emc_addons_installable() {
    local manifest
    for manifest in "$ROOT"/addons/emc_*/__manifest__.py; do
        [ -f "$manifest" ] || continue
        "$VENV/bin/python" - "$manifest" <<'PY'
import ast, os, sys
path = sys.argv[1]
manifest = ast.literal_eval(open(path, encoding="utf-8").read())
if manifest.get("installable", True):
    print(os.path.basename(os.path.dirname(path)))
PY
    done
}

# A hash of everything under addons/: changes when the code does.
addons_stamp() {
    (cd "$ROOT" && find addons -type f ! -name '*.pyc' ! -path '*/__pycache__/*' -print0 \
        | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}

db_exists() {
    [ "$(psql -d postgres -tAc "select 1 from pg_database where datname='$1'" 2>/dev/null)" = "1" ]
}

drop_db() {
    local db="$1"
    if db_exists "$db"; then
        psql -d postgres -qc "select pg_terminate_backend(pid) from pg_stat_activity where datname='$db'" >/dev/null
        dropdb "$db"
    fi
    local data_dir="${ODOO_DATA_DIR:-$HOME/.local/share/Odoo}"
    rm -rf "$data_dir/filestore/$db"
}
