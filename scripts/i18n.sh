#!/usr/bin/env bash
# Refresh the translation templates of EMC addons from a database where they
# are installed, merge them into each addon's zh_CN.po and list what is left
# to translate.
#
#   scripts/i18n.sh emc_workorder [emc_project ...]
#
# Environment:
#   EMC_I18N_DB   database to export from (default: the test database emc_test,
#                 built by scripts/test.sh with every addon installed)
#
# New entries arrive with an empty msgstr; translate them in
# addons/<addon>/i18n/zh_CN.po. The script exits non-zero while any entry of
# the given addons is untranslated or a file does not compile.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

[ $# -gt 0 ] || die "name the addons: scripts/i18n.sh emc_workorder [...]"
db="${EMC_I18N_DB:-${EMC_TEST_DB:-emc_test}}"
db_exists "$db" || die "no database $db: run scripts/test.sh first, or set EMC_I18N_DB"

status=0
for addon in "$@"; do
    dir="$ROOT/addons/$addon/i18n"
    [ -d "$ROOT/addons/$addon" ] || die "no addon $addon in addons/"
    mkdir -p "$dir"
    step "$addon: exporting $addon.pot from $db"
    ODOO_CONF="$ROOT/config/odoo-test.conf" odoo_cli -d "$db" --log-level=warn \
        --i18n-export="$dir/$addon.pot" --modules="$addon" --stop-after-init
    # Terms written in Chinese are demo data (code and data strings are in
    # English): they need no translation and stay out of the template.
    LC_ALL=C.UTF-8 msggrep --invert-match --msgid -E -e '[一-鿿]' \
        -o "$dir/$addon.pot" "$dir/$addon.pot"
    if [ -f "$dir/zh_CN.po" ]; then
        msgmerge --quiet --no-fuzzy-matching --no-wrap --update --backup=none \
            "$dir/zh_CN.po" "$dir/$addon.pot"
        # Entries gone from the code stay in the file as obsolete (#~): drop them.
        msgattrib --no-obsolete --no-wrap -o "$dir/zh_CN.po" "$dir/zh_CN.po"
    else
        msginit --no-translator --no-wrap --locale=zh_CN.UTF-8 \
            -i "$dir/$addon.pot" -o "$dir/zh_CN.po"
    fi
    msgfmt --check-format -o /dev/null "$dir/zh_CN.po" || status=1
    left="$(msgattrib --untranslated --no-wrap "$dir/zh_CN.po" | grep -c '^msgid ' || true)"
    # The header entry (msgid "") counts as untranslated only if it is empty.
    [ "$left" -gt 0 ] && left=$((left - 1))
    if [ "$left" -gt 0 ]; then
        warn "$addon: $left entries to translate in addons/$addon/i18n/zh_CN.po"
        { msgattrib --untranslated --no-wrap "$dir/zh_CN.po" | grep "^msgid " | sed 1d | head -n 40 >&2; } || true
        status=1
    else
        step "$addon: zh_CN complete"
    fi
done
exit $status
