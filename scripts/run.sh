#!/usr/bin/env bash
# Serve the EMC Suite at http://localhost:8069 on the demo database `emc`.
# Runs scripts/setup.sh first (a no-op when everything is in place).
#
#   scripts/run.sh [extra odoo options]     e.g. --dev=xml,reload
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

"$ROOT/scripts/setup.sh"

db="${EMC_DB:-emc}"
port="${EMC_PORT:-8069}"
cat <<MSG

  EMC Suite: http://localhost:$port/web/login   (database: $db)

  Log in as            password   role
  admin                admin      EMC administrator (everything)
  pm                   emc        项目经理 project manager
  engineer             emc        节能工程师 energy engineer
  finance              emc        财务 finance
  rep                  emc        客户代表 customer representative
MSG
if [ -d "$ROOT/addons/emc_workorder" ]; then
cat <<MSG
  wo_admin             emc        工单超级管理员 work-order super admin
  wo_dept              emc        部门管理员 department admin (巴中供电公司)
  wo_staff             emc        一线人员 frontline staff
  customer             portal     门户客户 customer (/my/workorders)
MSG
fi
echo
exec_odoo() { (cd "$ROOT" && exec "$VENV/bin/odoo" -c "$ROOT/config/odoo.conf" \
    --addons-path="$(addons_path)" -d "$db" --db-filter="^$db\$" --http-port="$port" "$@"); }
exec_odoo "$@"
