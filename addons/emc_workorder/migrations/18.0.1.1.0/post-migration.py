"""18.0.1.1.0: pre-check rules have a channel scope.

The shipped photo rule is ``noupdate`` data, so an upgrade does not rewrite
it: give it the scope a new database gets (portal and mini-program only), so
that requests the hotline enters for a caller are not returned for a photo.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    rule = env.ref("emc_workorder.precheck_rule_photo", raise_if_not_found=False)
    if rule and rule.channel_scope == "all":
        rule.channel_scope = "self_service"
