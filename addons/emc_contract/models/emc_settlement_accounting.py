from odoo import api, fields, models
from odoo.exceptions import UserError

from ..lib.settlement import ESCO_TO_CLIENT

PAYMENT_STATES = [
    ("none", "Nothing to pay"),
    ("not_paid", "Not paid"),
    ("partial", "Partially paid"),
    ("paid", "Paid"),
]


class EmcSettlement(models.Model):
    """Posting a confirmed settlement to Accounting and following its payment.

    One ``account.move`` per :class:`lib.settlement.Invoice` of the current
    version: ``out_invoice`` for what the client owes the ESCO, ``out_refund``
    (credit note) or ``in_invoice`` (vendor bill) for what the ESCO owes the
    client, never for a zero or negative amount. One invoice line per
    statement line, signed in the move's direction, on the settlement product
    (its income account for customer moves, its expense account for vendor
    bills), with the company's settlement tax (6 % VAT by default) mapped by
    the client's fiscal position (else the company's settlement one), the
    project's analytic account and the contract's payment terms.
    """

    _inherit = "emc.settlement"

    move_ids = fields.One2many("account.move", "emc_settlement_id", string="Entries", readonly=True)
    move_count = fields.Integer(compute="_compute_move_count")
    payment_state = fields.Selection(
        PAYMENT_STATES, compute="_compute_payment_state", store=True, string="Payment"
    )

    @api.depends("move_ids.payment_state", "move_ids.state")
    def _compute_payment_state(self):
        for settlement in self:
            moves = settlement.move_ids.filtered(lambda m: m.state == "posted")
            if not moves:
                settlement.payment_state = "none"
            elif all(m.payment_state in ("paid", "in_payment", "reversed") for m in moves):
                settlement.payment_state = "paid"
            elif any(m.payment_state in ("partial", "paid", "in_payment") for m in moves):
                settlement.payment_state = "partial"
            else:
                settlement.payment_state = "not_paid"

    def _compute_move_count(self):
        for settlement in self:
            settlement.move_count = len(settlement.move_ids)

    def _sync_payment_state(self):
        """Move invoiced settlements whose moves are all paid to done."""
        paid = self.filtered(
            lambda s: (
                s.state == "invoiced"
                and s.move_ids
                and all(
                    m.state == "posted" and m.payment_state in ("paid", "in_payment", "reversed")
                    for m in s.move_ids
                )
            )
        )
        if paid:
            paid.sudo()._set_stage("done")

    # ------------------------------------------------------------------
    # Posting
    # ------------------------------------------------------------------

    def action_invoice(self):
        """Post the moves of confirmed settlements (confirmed → invoiced, or paid when none)."""
        self._check_stage(("confirmed",), self.env._("Invoice"))
        for settlement in self:
            moves = settlement._create_moves()
            if moves:
                moves.action_post()
                settlement._set_stage("invoiced")
            else:
                # zero or negative savings: a statement, nothing to invoice or pay
                settlement._set_stage("done")
        return True

    def _fiscal_position(self):
        self.ensure_one()
        company = self.company_id
        Position = self.env["account.fiscal.position"].with_company(company)
        return Position._get_fiscal_position(self.partner_id) or (
            company.emc_settlement_fiscal_position_id
        )

    def _analytic_distribution(self):
        account = self.contract_id.project_id.analytic_account_id
        return {str(account.id): 100.0} if account else False

    def _create_moves(self):
        """The draft moves of the current version's invoices."""
        self.ensure_one()
        company = self.company_id
        statement = self.version_id.statement or {}
        invoices = statement.get("invoices", [])
        if not invoices:
            return self.env["account.move"]
        product = company._emc_settlement_product().with_company(company)
        position = self._fiscal_position()
        accounts = product.product_tmpl_id.get_product_accounts(fiscal_pos=position)
        lines = self.version_id.line_ids.sorted("sequence")
        by_index = {line.sequence: line for line in lines}
        partner_lang = self.partner_id.lang or self.env.lang
        descriptions = {
            line.sequence: line.description for line in lines.with_context(lang=partner_lang)
        }
        analytic = self._analytic_distribution()
        values = []
        for invoice in invoices:
            move_type = invoice["move_type"]
            vendor = move_type == "in_invoice"
            tax = company._emc_settlement_tax("purchase" if vendor else "sale")
            taxes = position.map_tax(tax) if position else tax
            account = accounts["expense" if vendor else "income"]
            if not account:
                raise UserError(
                    self.env._(
                        "The settlement product %(product)s has no %(kind)s account in company "
                        "%(company)s.",
                        product=product.display_name,
                        kind=self.env._("expense") if vendor else self.env._("income"),
                        company=company.name,
                    )
                )
            move_lines = []
            for index, amount in invoice["lines"]:
                line = by_index[index]
                move_lines.append(
                    fields.Command.create(
                        {
                            "product_id": product.id,
                            "name": descriptions[index],
                            "quantity": 1.0,
                            "price_unit": float(amount),
                            "account_id": account.id,
                            "tax_ids": [fields.Command.set(taxes.ids)],
                            "analytic_distribution": analytic,
                            "emc_settlement_line_id": line.id,
                        }
                    )
                )
            move_vals = {
                "move_type": move_type,
                "partner_id": self.partner_id.id,
                "company_id": company.id,
                "currency_id": company.currency_id.id,
                "invoice_date": fields.Date.context_today(self),
                "invoice_origin": self.name,
                "ref": self.env._(
                    "%(settlement)s %(start)s ~ %(end)s",
                    settlement=self.name,
                    start=self.date_from,
                    end=self.date_to,
                ),
                "fiscal_position_id": position.id,
                "invoice_payment_term_id": self.contract_id.payment_term_id.id,
                "emc_settlement_id": self.id,
                "invoice_line_ids": move_lines,
            }
            if move_type in ("out_invoice", "out_refund") and company.emc_settlement_journal_id:
                move_vals["journal_id"] = company.emc_settlement_journal_id.id
            if invoice["direction"] == ESCO_TO_CLIENT and vendor:
                move_vals["ref"] = self.env._("Compensation %(ref)s", ref=move_vals["ref"])
            values.append(move_vals)
        return (
            self.env["account.move"]
            .with_company(company)
            .with_context(default_move_type=False)
            .create(values)
        )

    def action_view_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_journal_line")
        action["domain"] = [("id", "in", self.move_ids.ids)]
        action["context"] = {"create": False}
        return action
