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

  login                          password  organisations (role)
  admin                          admin     all four, all selected at login (EMC admin, desk super admin)
  pm, engineer, finance, rep     emc       巴中绿源节能科技有限公司 (项目经理, 节能工程师, 财务, 客户代表)
MSG
if [ -d "$ROOT/addons/emc_workorder" ]; then
cat <<MSG
  wo_admin                       emc       巴中供电公司 + 巴中公用能源公司 (工单超级管理员)
  wo_dept / wo_dept2             emc       巴中供电公司 / 巴中公用能源公司 (部门管理员)
  wo_staff, wo_staff2, wo_surveyor                      emc  巴中供电公司, assigned orders (一线人员)
  wo_pe_staff, wo_pe_staff2, wo_pe_surveyor, wo_builder emc  巴中公用能源公司, assigned orders (一线人员)
  customer                       portal    portal of 巴中市企业能效服务平台 (门户客户, /my/workorders)
MSG
fi
echo
exec_odoo() { (cd "$ROOT" && exec "$VENV/bin/odoo" -c "$ROOT/config/odoo.conf" \
    --addons-path="$(addons_path)" -d "$db" --db-filter="^$db\$" --http-port="$port" "$@"); }
exec_odoo "$@"
