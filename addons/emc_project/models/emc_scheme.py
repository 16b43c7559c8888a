from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import finance


class EmcScheme(models.Model):
    _name = "emc.scheme"
    _description = "Energy-saving scheme"
    _inherit = ["mail.thread"]
    _order = "project_id, sequence, id"

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    project_id = fields.Many2one("emc.project", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="project_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="project_id.currency_id")
    is_selected = fields.Boolean(string="Selected", readonly=True, copy=False, tracking=True)
    description = fields.Html()
    line_ids = fields.One2many("emc.scheme.line", "scheme_id", string="Technologies", copy=True)
    contract_type = fields.Selection(related="project_id.contract_type")
    term_years = fields.Integer(related="project_id.term_years")
    sharing_ratio = fields.Float(related="project_id.sharing_ratio")
    discount_rate = fields.Float(
        string="Discount rate (%)",
        default=lambda self: self._default_discount_rate(),
    )

    capex_total = fields.Monetary(string="Investment", compute="_compute_totals", store=True)
    saving_kwh_total = fields.Float(
        string="Savings (kWh/year)", compute="_compute_totals", store=True
    )
    saving_amount_total = fields.Monetary(
        string="Savings per year", compute="_compute_totals", store=True
    )
    om_cost_total = fields.Monetary(string="O&M per year", compute="_compute_totals", store=True)
    saving_tce = fields.Float(
        string="Savings (tce/year)", compute="_compute_totals", store=True, digits=(16, 2)
    )

    pays_back = fields.Boolean(compute="_compute_financials", store=True)
    payback_years = fields.Float(
        string="Payback (years)", compute="_compute_financials", store=True, digits=(16, 2)
    )
    npv = fields.Monetary(string="NPV", compute="_compute_financials", store=True)
    irr = fields.Float(string="IRR (%)", compute="_compute_financials", store=True, digits=(16, 2))
    irr_status = fields.Selection(
        [
            ("ok", "Computed"),
            ("multiple", "Several solutions"),
            ("no_sign_change", "No solution"),
            ("no_root", "No solution"),
        ],
        string="IRR status",
        compute="_compute_financials",
        store=True,
    )
    irr_message = fields.Char(string="IRR note", compute="_compute_financials", store=True)
    esco_npv = fields.Monetary(string="ESCO NPV", compute="_compute_financials", store=True)
    esco_irr = fields.Float(
        string="ESCO IRR (%)", compute="_compute_financials", store=True, digits=(16, 2)
    )
    client_npv = fields.Monetary(string="Client NPV", compute="_compute_financials", store=True)
    cash_flow_html = fields.Html(
        string="Cash flows", compute="_compute_cash_flow_html", sanitize=False
    )

    def _default_discount_rate(self):
        project_id = self.env.context.get("default_project_id")
        if project_id:
            return self.env["emc.project"].browse(project_id).discount_rate
        return 8.0

    @api.depends(
        "line_ids.capex",
        "line_ids.saving_kwh",
        "line_ids.saving_amount",
        "line_ids.om_cost",
        "company_id.emc_tce_factor",
    )
    def _compute_totals(self):
        for scheme in self:
            lines = scheme.line_ids
            scheme.capex_total = sum(lines.mapped("capex"))
            scheme.saving_kwh_total = sum(lines.mapped("saving_kwh"))
            scheme.saving_amount_total = sum(lines.mapped("saving_amount"))
            scheme.om_cost_total = sum(lines.mapped("om_cost"))
            scheme.saving_tce = self.env["res.company"]._emc_kwh_to_tce(
                scheme.saving_kwh_total, scheme.company_id
            )

    def _cash_flows(self):
        """Year-by-year flows of the project, the ESCO and the client."""
        self.ensure_one()
        return finance.contract_cash_flows(
            self.project_id.contract_type,
            capex=self.capex_total,
            annual_saving=self.saving_amount_total,
            annual_om=self.om_cost_total,
            term_years=max(self.project_id.term_years, 1),
            esco_share=self.project_id.sharing_ratio / 100.0,
            rate=self.discount_rate / 100.0,
        )

    def _irr_message(self, result):
        if result.status == "ok":
            return False
        if result.status == "multiple":
            return _(
                "The cash flows change sign several times and have several rates of "
                "return (%(rates)s); the one shown is the lowest non-negative.",
                rates="、".join(f"{r * 100:.2f}%" for r in result.roots),
            )
        if result.status == "no_sign_change":
            return _(
                "No rate of return: the cash flows never change sign (the savings never "
                "recover the investment, or there is no investment)."
            )
        return _("No rate of return between -99% and 1000% solves these cash flows.")

    @api.depends(
        "capex_total",
        "saving_amount_total",
        "om_cost_total",
        "discount_rate",
        "project_id.contract_type",
        "project_id.term_years",
        "project_id.sharing_ratio",
    )
    def _compute_financials(self):
        for scheme in self:
            flows = scheme._cash_flows()
            rate = scheme.discount_rate / 100.0
            payback = finance.simple_payback(
                scheme.capex_total, scheme.saving_amount_total - scheme.om_cost_total
            )
            scheme.pays_back = payback is not None
            scheme.payback_years = payback or 0.0
            scheme.npv = finance.npv(rate, flows.project)
            result = finance.irr(flows.project)
            scheme.irr = result.rate * 100 if result.rate is not None else 0.0
            scheme.irr_status = result.status
            scheme.irr_message = scheme._irr_message(result)
            scheme.esco_npv = finance.npv(rate, flows.esco)
            esco_result = finance.irr(flows.esco)
            scheme.esco_irr = esco_result.rate * 100 if esco_result.rate is not None else 0.0
            scheme.client_npv = finance.npv(rate, flows.client)

    @api.depends("capex_total", "saving_amount_total", "om_cost_total", "discount_rate")
    def _compute_cash_flow_html(self):
        for scheme in self:
            if not scheme.project_id:
                scheme.cash_flow_html = False
                continue
            flows = scheme._cash_flows()
            head = Markup("").join(
                Markup("<th class='text-end'>%s</th>") % label
                for label in (_("Year"), _("Project"), _("ESCO"), _("Client"))
            )
            rows = []
            cumulative = [0.0, 0.0, 0.0]
            for year, values in enumerate(
                zip(flows.project, flows.esco, flows.client, strict=True)
            ):
                cumulative = [c + v for c, v in zip(cumulative, values, strict=True)]
                cells = Markup("").join(
                    Markup("<td class='text-end'>%s</td>") % escape(f"{v:,.0f}") for v in values
                )
                rows.append(Markup("<tr><td class='text-end'>%s</td>%s</tr>") % (year, cells))
            total_cells = Markup("").join(
                Markup("<td class='text-end fw-bold'>%s</td>") % f"{v:,.0f}" for v in cumulative
            )
            rows.append(
                Markup("<tr><td class='text-end fw-bold'>%s</td>%s</tr>")
                % (_("Total"), total_cells)
            )
            scheme.cash_flow_html = Markup(
                "<table class='table table-sm o_emc_cash_flows'><thead><tr>%s</tr></thead>"
            ) % head + Markup("<tbody>%s</tbody></table>") % Markup("").join(rows)

    def action_select(self):
        """Make this the project's scheme; the others stay for comparison."""
        self.ensure_one()
        if self.project_id.state not in ("initiation", "research", "feasibility"):
            raise UserError(
                _(
                    "The scheme of project %(project)s can only be changed before it is "
                    "submitted for approval.",
                    project=self.project_id.display_name,
                )
            )
        if not self.line_ids:
            raise UserError(_("Scheme %(name)s has no technology line.", name=self.name))
        (self.project_id.scheme_ids - self).filtered("is_selected").is_selected = False
        self.is_selected = True
        self.project_id._update_risk_flags()
        return True
