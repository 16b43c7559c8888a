from odoo import api, fields, models
from odoo.exceptions import UserError


class EmcContractClause(models.Model):
    """A clause of one contract: its own source text, filled from the contract when shown.

    The source is copied from the clause template when the clauses are
    loaded, in the language of the contract document, and can be edited while
    the contract is a draft. ``body`` is the source with its placeholders
    filled from the contract as it is now; the contract document freezes it.
    """

    _name = "emc.contract.clause"
    _description = "Contract clause"
    _order = "sequence, id"

    contract_id = fields.Many2one("emc.contract", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="contract_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(string="Title", required=True)
    template_id = fields.Many2one("emc.contract.clause.template", ondelete="set null")
    body_source = fields.Text(string="Text", help="{{ object.field }} placeholders are filled.")
    body = fields.Text(string="Clause", compute="_compute_body")

    @api.depends("body_source", "contract_id")
    def _compute_body(self):
        for clause in self:
            try:
                clause.body = clause._render_body()
            except UserError as error:
                clause.body = str(error)

    def _render_body(self):
        """The source with its placeholders filled from the contract (UserError if invalid)."""
        self.ensure_one()
        if not self.body_source or not self.contract_id.id:
            return self.body_source or ""
        contract = self.contract_id.with_context(lang=self.contract_id._document_lang())
        rendered = self.env["mail.render.mixin"]._render_template(
            self.body_source, contract._name, contract.ids, engine="inline_template"
        )
        return rendered[contract.id]

    def _check_renderable(self):
        """Raise a clear error naming the first clause whose placeholders cannot be filled."""
        for clause in self:
            try:
                clause._render_body()
            except UserError as error:
                raise UserError(
                    self.env._(
                        "Clause “%(clause)s” of contract %(contract)s cannot be filled: %(error)s",
                        clause=clause.name,
                        contract=clause.contract_id.display_name,
                        error=error,
                    )
                ) from error
