from odoo import fields, models

from .emc_contract import CONTRACT_TYPES


class EmcContractClauseTemplate(models.Model):
    """A standard clause, filled from the contract it is put into.

    The body is an inline template: ``{{ object.partner_id.name }}`` is
    replaced by the contract's client, ``{{ object.date_start }}`` by its
    start, and so on (Odoo's ``inline_template`` engine, ``object`` being the
    contract). A template applies to one contract type, or to every type when
    the type is left empty; a new contract takes the templates of its type in
    their sequence.
    """

    _name = "emc.contract.clause.template"
    _description = "Contract clause template"
    _order = "sequence, id"

    name = fields.Char(string="Title", required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    contract_type = fields.Selection(
        CONTRACT_TYPES,
        string="Contract type",
        help="The type of contract this clause is for; empty for every type.",
    )
    body = fields.Text(
        required=True,
        translate=True,
        help="Text of the clause; {{ object.field }} placeholders are filled from the contract.",
    )
    company_id = fields.Many2one(
        "res.company", string="Company", help="Empty for every ESCO of the database."
    )

    def _domain_for(self, contract):
        return [
            ("contract_type", "in", [contract.contract_type, False]),
            ("company_id", "in", [contract.company_id.id, False]),
        ]
