"""Split the single evidence chain per organisation.

The events recorded so far form one global chain: they become the legacy
chain as they are (nothing is re-hashed, so it verifies as before); new events
go to their organisation's own chain.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["emc.evidence.chain"]._migrate_legacy_events()
