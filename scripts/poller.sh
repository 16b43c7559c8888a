#!/usr/bin/env bash
# Start a meter poller (the emc-poller command of emc_metering) against the
# demo database, or the database given with -d. Options after the database
# go to emc-poller (see addons/emc_metering/readme/POLLER.md):
#
#   scripts/poller.sh                          poll the gateways of the demo database emc
#   scripts/poller.sh -d emc --name poller-2   a second poller sharing the gateways
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
args=("$@")
[[ " ${args[*]-} " == *" -d "* || " ${args[*]-} " == *" --database"* ]] || args=(-d emc "${args[@]}")
# --addons-path must come before the command name: Odoo finds the commands
# of addons only on the addons path given there.
cd "$ROOT"
exec "$VENV/bin/odoo" --addons-path="$(addons_path)" emc-poller -c "$ROOT/config/odoo.conf" "${args[@]}"
