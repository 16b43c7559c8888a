#!/usr/bin/env bash
# Run every test of the EMC Suite: lint, then the pure-Python unit tests and
# the Odoo tests (TransactionCase, Form, HttpCase) of every addon through
# pytest-odoo, against a test database built fresh for this run. The browser
# tours need headless Chromium (installed by scripts/setup.sh): without one the
# run fails instead of skipping them.
#
#   scripts/test.sh                       everything
#   scripts/test.sh addons/emc_project    one addon (pytest paths/options pass through)
#   EMC_TEST_KEEP_DB=1 scripts/test.sh    reuse the test database if it is current
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
cd "$ROOT"

"$ROOT/scripts/setup.sh" --no-db

step "lint: ruff"
"$VENV/bin/ruff" check addons scripts tests conftest.py
"$VENV/bin/ruff" format --check addons scripts tests conftest.py

db="${EMC_TEST_DB:-emc_test}"
conf="$ROOT/config/odoo-test.conf"
addons="$(emc_addons_installable | xargs | tr ' ' ',')"
stamp="$(addons_stamp)"
stamp_file="$VENV/.emc-db-$db"
if [ "${EMC_TEST_KEEP_DB:-0}" = "1" ] && db_exists "$db" && [ -f "$stamp_file" ] \
    && [ "$(cat "$stamp_file")" = "$stamp" ]; then
    step "reusing the test database $db"
else
    step "building the test database $db ($addons, demo data, zh_CN)"
    drop_db "$db"
    rm -f "$stamp_file"
    ODOO_CONF="$conf" odoo_cli -d "$db" -i "$addons" --load-language=zh_CN \
        --stop-after-init --log-level=warn
    echo "$stamp" > "$stamp_file"
fi

# The browser tours run in headless Chromium. Odoo's HttpCase skips a tour
# when it finds no browser; here a missing or broken browser stops the run,
# and EMC_REQUIRE_BROWSER makes conftest.py fail any browser test that was
# skipped all the same.
step "browser: headless Chromium for the tours"
check_browser
export EMC_REQUIRE_BROWSER=1

step "tests: pytest (pure Python and Odoo)"
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(addons tests)
exec "$VENV/bin/python" -m pytest -p no:cacheprovider \
    --odoo-config="$conf" --odoo-database="$db" --odoo-addons-path="$(addons_path)" \
    --odoo-http "${targets[@]}"
