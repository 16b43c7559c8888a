#!/usr/bin/env bash
# Prepare a machine for the EMC Suite: system packages, PostgreSQL, the Python
# virtualenv with Odoo 18.0 and the OCA addons, and the demo database `emc`.
#
# Idempotent: every step checks what is already there and skips itself.
#
#   scripts/setup.sh            everything, including the demo database
#   scripts/setup.sh --no-db    everything but the demo database
#
# Environment:
#   ODOO_SRC     an Odoo 18.0 source tree (checked first)
#   EMC_DB       name of the demo database (default: emc)
#   PYTHON       interpreter for the virtualenv (default: python3, 3.10-3.12)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

WITH_DB=1
for arg in "$@"; do
    case "$arg" in
        --no-db) WITH_DB=0 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) die "unknown option: $arg" ;;
    esac
done

# --------------------------------------------------------------------------
# 1. Debian packages
# --------------------------------------------------------------------------
DEB_PACKAGES=(
    git build-essential pkg-config
    libpq-dev libldap2-dev libsasl2-dev libxml2-dev libxslt1-dev
    libjpeg-dev zlib1g-dev libffi-dev libssl-dev
    wkhtmltopdf fonts-noto-cjk poppler-utils
    # Headless Chromium for the browser tours (Odoo's HttpCase.start_tour)
    # and scripts/screenshot.py; its dependencies come with the package.
    chromium
)
command -v pg_ctlcluster >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1 \
    || DEB_PACKAGES+=(postgresql)
# The MQTT broker of the meters' gateways (emc_metering) and of its tests.
command -v mosquitto >/dev/null 2>&1 || DEB_PACKAGES+=(mosquitto)

install_debian_packages() {
    command -v dpkg-query >/dev/null 2>&1 || {
        warn "not a Debian system: install the equivalents of ${DEB_PACKAGES[*]} yourself"
        return 0
    }
    local missing=()
    for pkg in "${DEB_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    step "installing Debian packages: ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 \
            || die "missing Debian packages (${missing[*]}) and not root: install them as root"
        sudo=(sudo)
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --------------------------------------------------------------------------
# 2. PostgreSQL
# --------------------------------------------------------------------------
ensure_postgres() {
    if ! pg_isready -q 2>/dev/null; then
        step "starting PostgreSQL"
        if command -v pg_ctlcluster >/dev/null 2>&1; then
            local version
            for version in $(ls /etc/postgresql 2>/dev/null); do
                pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
                    || pg_ctlcluster "$version" main start || true
            done
        elif command -v service >/dev/null 2>&1; then
            service postgresql start || true
        fi
        local i
        for i in $(seq 1 30); do pg_isready -q 2>/dev/null && break; sleep 1; done
        pg_isready -q 2>/dev/null || die "PostgreSQL does not answer; start it and run this again"
    fi
    # Odoo connects as the current OS user: make sure that role exists.
    if ! psql -d postgres -tAc "select 1" >/dev/null 2>&1; then
        step "creating the PostgreSQL role $(id -un)"
        if [ "$(id -u)" -eq 0 ]; then
            su postgres -c "createuser --superuser $(id -un)"
        else
            sudo -u postgres createuser --superuser "$(id -un)"
        fi
    fi
}

# Mosquitto on 127.0.0.1:1883, started when nothing answers there.
ensure_mosquitto() {
    if (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null; then
        return 0
    fi
    step "starting Mosquitto (MQTT broker) on 127.0.0.1:1883"
    local conf=/etc/mosquitto/mosquitto.conf
    if [ -f "$conf" ]; then
        mosquitto -d -c "$conf" || true
    else
        mosquitto -d -p 1883 || true
    fi
    local i
    for i in $(seq 1 20); do
        (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null && return 0
        sleep 0.5
    done
    die "Mosquitto does not answer on 127.0.0.1:1883; start it and run this again"
}

# --------------------------------------------------------------------------
# 3. Odoo 18.0 source
# --------------------------------------------------------------------------
ODOO_OFFICIAL_GIT="https://github.com/odoo/odoo.git"
ODOO_CLONE_DIR="$ROOT/.cache/odoo18"

is_odoo18() {
    [ -f "$1/odoo/release.py" ] && [ -d "$1/addons" ] \
        && grep -q "^version_info = (18, 0," "$1/odoo/release.py"
}

find_odoo_source() {
    local looked=()
    if [ -n "${ODOO_SRC:-}" ]; then
        is_odoo18 "$ODOO_SRC" && { echo "$ODOO_SRC"; return; }
        looked+=("ODOO_SRC=$ODOO_SRC (not an Odoo 18.0 tree)")
    else
        looked+=("ODOO_SRC (not set)")
    fi
    for candidate in "$ODOO_DEFAULT_SRC" "$ODOO_CLONE_DIR"; do
        is_odoo18 "$candidate" && { echo "$candidate"; return; }
        looked+=("$candidate (no Odoo 18.0 tree)")
    done
    step "cloning Odoo 18.0 from $ODOO_OFFICIAL_GIT" >&2
    mkdir -p "$(dirname "$ODOO_CLONE_DIR")"
    if git clone --quiet --depth 1 --branch 18.0 "$ODOO_OFFICIAL_GIT" "$ODOO_CLONE_DIR.part" >&2 \
        && mv "$ODOO_CLONE_DIR.part" "$ODOO_CLONE_DIR" && is_odoo18 "$ODOO_CLONE_DIR"; then
        echo "$ODOO_CLONE_DIR"
        return
    fi
    rm -rf "$ODOO_CLONE_DIR.part"
    looked+=("$ODOO_OFFICIAL_GIT branch 18.0 (clone failed)")
    {
        echo "No Odoo 18.0 source found. Looked in:"
        printf '  - %s\n' "${looked[@]}"
        echo "Put an Odoo 18.0 tree at $ODOO_DEFAULT_SRC or point ODOO_SRC at one."
    } >&2
    exit 1
}

# --------------------------------------------------------------------------
# 4. Python virtualenv
# --------------------------------------------------------------------------
odoo_requirements() {
    # Odoo's own pins, with the fixes this platform needs: the cbor2 5.4.2
    # sdist does not build on recent setuptools; 5.6.2 ships wheels. The
    # RFC 3161 client of the evidence anchors needs cryptography >= 43: take
    # the set Odoo pins for Python 3.12 (urllib3 2.0.7, whose pyopenssl shim
    # works with recent cryptography), with cryptography one step up and the
    # pyOpenSSL release made for it, whatever the interpreter.
    sed -E -e 's/^cbor2==5\.4\.2.*$/cbor2==5.6.2/' \
        -e 's/^cryptography==[0-9.]+.*$/cryptography==43.0.3/' \
        -e 's/^pyopenssl==[0-9.]+.*$/pyopenssl==24.2.1/' \
        -e 's/^urllib3==[0-9.]+.*$/urllib3==2.0.7/' "$1/requirements.txt" | awk '!seen[$0]++'
}

ensure_venv() {
    local src="$1"
    local python="${PYTHON:-python3}"
    if [ ! -x "$VENV/bin/python" ]; then
        step "creating the virtualenv $VENV"
        "$python" -m venv "$VENV"
    fi
    local stamp_file="$VENV/.emc-setup-stamp"
    local stamp
    stamp="$( { echo "$src"; odoo_requirements "$src"; cat "$ROOT/requirements.txt"; \
        sed -n '/^# stamp:/,$p' "$0"; } | sha256sum | cut -d' ' -f1)"
    if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ] \
        && "$VENV/bin/python" -c "import odoo.release" 2>/dev/null; then
        return 0
    fi
    step "installing Python packages (Odoo requirements, Odoo 18.0 from $src, EMC requirements)"
    local pip=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check)
    "${pip[@]}" --upgrade "pip>=24" "setuptools>=69,<80" wheel
    local reqs
    reqs="$(mktemp)"
    odoo_requirements "$src" > "$reqs"
    "${pip[@]}" -r "$reqs"
    rm -f "$reqs"
    # Compat mode puts the source tree itself on sys.path; the default mode
    # would leave `odoo` a namespace package once the OCA wheels add
    # site-packages/odoo/addons, and `import odoo.tools` would break.
    "${pip[@]}" --no-deps --no-build-isolation -e "$src" --config-settings editable_mode=compat
    "${pip[@]}" -r "$ROOT/requirements.txt"
    "$VENV/bin/python" - <<'PY' || die "the virtualenv does not import Odoo and the OCA addons"
import importlib.util, odoo.tools  # noqa: F401  (odoo must be a regular package)
missing = [n for n in ("queue_job", "base_tier_validation", "dms", "fastapi", "report_xlsx", "auditlog")
           if not any(__import__("os").path.isdir(__import__("os").path.join(p, n))
                      for p in __import__("odoo.addons").addons.__path__)]
assert not missing, missing
PY
    echo "$stamp" > "$stamp_file"
}

# --------------------------------------------------------------------------
# 5. The demo database
# --------------------------------------------------------------------------
ensure_demo_db() {
    local db="$1"
    local want
    want="$(emc_addons_installable | tr '\n' ' ')"
    local code_stamp
    code_stamp="$(addons_stamp)"
    if db_exists "$db"; then
        local missing=()
        for addon in $want; do
            [ "$(psql -d "$db" -tAc "select state from ir_module_module where name='$addon'" 2>/dev/null)" = "installed" ] \
                || missing+=("$addon")
        done
        local stamp_file="$VENV/.emc-db-$db"
        if [ ${#missing[@]} -gt 0 ]; then
            step "installing ${missing[*]} into the database $db"
            odoo_cli -d "$db" -i "$(IFS=,; echo "${missing[*]}")" --stop-after-init
        elif [ ! -f "$stamp_file" ] || [ "$(cat "$stamp_file")" != "$code_stamp" ]; then
            step "updating the EMC addons in the database $db (their code changed)"
            odoo_cli -d "$db" -u "$(echo "$want" | xargs | tr ' ' ',')" --stop-after-init
        fi
        echo "$code_stamp" > "$stamp_file"
        return 0
    fi
    step "creating the demo database $db with $(echo "$want" | xargs)"
    # zh_CN is loaded before the addons install, so their translations load too.
    odoo_cli -d "$db" -i "$(echo "$want" | xargs | tr ' ' ',')" --stop-after-init \
        --load-language=zh_CN
    echo "$code_stamp" > "$VENV/.emc-db-$db"
}

# stamp: anything below this line changes the virtualenv stamp.
main() {
    install_debian_packages
    ensure_postgres
    ensure_mosquitto
    local src
    src="$(find_odoo_source)"
    echo "$src" > "$ROOT/.odoo-src"
    ensure_venv "$src"
    if [ "$WITH_DB" -eq 1 ]; then
        ensure_demo_db "${EMC_DB:-emc}"
    fi
    step "setup complete (Odoo source: $src)"
}

main
