from odoo import fields, models


class EmcSettlementVersion(models.Model):
    """One computation of a settlement: its inputs, its lines, who made it and why.

    Versions are never rewritten: a recomputation adds a version and makes it
    the settlement's current one, the earlier ones stay as the audit trail.
    """

    _name = "emc.settlement.version"
    _description = "Settlement version"
    _order = "settlement_id, number desc"
    _rec_name = "number"

    settlement_id = fields.Many2one(
        "emc.settlement", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="settlement_id.company_id", store=True)
    currency_id = fields.Many2one(related="settlement_id.currency_id")
    number = fields.Integer(string="Version", required=True, readonly=True)
    reason = fields.Char(readonly=True, help="Why this version was computed.")
    user_id = fields.Many2one("res.users", string="Computed by", readonly=True)
    date = fields.Datetime(string="Computed on", readonly=True)
    is_current = fields.Boolean(string="Current", readonly=True)
    line_ids = fields.One2many("emc.settlement.line", "version_id", string="Lines", readonly=True)
    period_days = fields.Integer(string="Days in the period", readonly=True)
    contract_days = fields.Integer(string="Contract days", readonly=True)
    savings_kwh = fields.Float(string="Settled savings (kWh)", digits=(16, 3), readonly=True)
    non_routine_kwh = fields.Float(
        string="Non-routine adjustments (kWh)", digits=(16, 3), readonly=True
    )
    total_client_to_esco = fields.Monetary(string="Client owes (lines)", readonly=True)
    total_esco_to_client = fields.Monetary(string="ESCO owes (lines)", readonly=True)
    amount_due_esco = fields.Monetary(string="Due to the ESCO", readonly=True)
    amount_due_client = fields.Monetary(string="Due to the client", readonly=True)
    amount_waived = fields.Monetary(string="Borne by the ESCO", readonly=True)
    carry_in = fields.Monetary(string="Carried in", readonly=True)
    carry_out = fields.Monetary(string="Carried forward", readonly=True)
    statement = fields.Json(readonly=True, help="The statement as lib/settlement.py returned it.")
    inputs = fields.Json(
        string="Input data", readonly=True, help="The inputs the statement was computed from."
    )
    inputs_text = fields.Text(string="Inputs", readonly=True)

    _sql_constraints = [
        (
            "number_uniq",
            "unique(settlement_id, number)",
            "A settlement has one version of each number.",
        ),
    ]

    def _compute_display_name(self):
        for version in self:
            version.display_name = self.env._(
                "%(settlement)s v%(number)s",
                settlement=version.settlement_id.name,
                number=version.number,
            )
