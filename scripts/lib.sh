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

# The Chromium that Odoo's browser tests find (odoo.tests.common._find_executable
# looks for these names on PATH).
browser_path() {
    local name
    for name in google-chrome chromium chromium-browser google-chrome-stable; do
        command -v "$name" 2>/dev/null && return 0
    done
    return 1
}

# Fail unless a Chromium is installed and renders a page headless, started
# with the switches Odoo's ChromeBrowser relies on (--no-sandbox: the sandbox
# cannot run as root; no GPU, no /dev/shm, no network calls of its own).
check_browser() {
    local browser profile
    browser="$(browser_path)" || die "no Chromium found: the browser tours need it. \
scripts/setup.sh installs Debian's chromium package (as root or with sudo); \
install it, or a Google Chrome, and run this again"
    profile="$(mktemp -d)"
    if ! timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
        --disable-background-networking --no-first-run --user-data-dir="$profile" \
        --dump-dom 'data:text/html,<p>emc-browser-ok</p>' 2>/dev/null | grep -q emc-browser-ok; then
        rm -rf "$profile"
        die "$browser does not render a page headless: the browser tours cannot run. \
Try: $browser --headless --no-sandbox --dump-dom about:blank"
    fi
    rm -rf "$profile"
}
