from odoo import api, fields, models
from odoo.tools import format_list
from odoo.tools.translate import LazyTranslate

from ..lib import feasibility

_lt = LazyTranslate(__name__)

# What the reader is told is missing, by feasibility.COMPLETENESS_ITEMS code.
ITEM_LABELS = {
    "site": _lt("site"),
    "site_energy": _lt("site energy use"),
    "equipment": _lt("equipment inventory"),
    "scheme": _lt("selected scheme"),
    "scheme_lines": _lt("scheme lines"),
    "engineer": _lt("energy engineer"),
    "credit_rating": _lt("client credit rating"),
}
# The sentence of each reason code of feasibility.assess, formatted with its params.
REASON_MESSAGES = {
    "missing_data": _lt("Missing data: %(items)s."),
    "complete": _lt("All required data is present."),
    "no_payback": _lt("No payback: the scheme's savings do not recover the investment."),
    "payback": _lt(
        "Payback %(payback).1f years against a %(term)s-year term (%(pct).0f%% of the term)."
    ),
    "credit": _lt("Client credit rating %(rating)s."),
    "credit_unknown": _lt("Client credit rating unknown."),
    "risks": _lt("%(count)s open risk(s), the highest scoring %(score)s of %(max)s."),
    "no_risk": _lt("No open risk in the register."),
    "verdict_no_payback": _lt("Not recommended: the project does not pay back within its term."),
    "verdict_go": _lt("Recommended (score %(score)s ≥ %(threshold)g)."),
    "verdict_conditional": _lt(
        "Recommended with conditions (score %(score)s between %(low)g and %(high)g): "
        "resolve the points above."
    ),
    "verdict_no_go": _lt("Not recommended (score %(score)s < %(threshold)g)."),
}


class EmcFeasibility(models.Model):
    _name = "emc.feasibility"
    _description = "Feasibility check of an EMC project"
    _order = "project_id, id desc"

    project_id = fields.Many2one("emc.project", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="project_id.company_id", store=True, index=True)
    scheme_id = fields.Many2one("emc.scheme", ondelete="set null")
    date = fields.Datetime(default=fields.Datetime.now, required=True)
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user)
    completeness_score = fields.Float(string="Data completeness")
    payback_score = fields.Float(string="Payback against term")
    credit_score = fields.Float(string="Client credit")
    risk_score = fields.Float(string="Risk")
    total_score = fields.Float(string="Score", aggregator="avg")
    recommendation = fields.Selection(
        [
            (feasibility.GO, "Recommended"),
            (feasibility.CONDITIONAL, "Recommended with conditions"),
            (feasibility.NO_GO, "Not recommended"),
        ],
        required=True,
    )
    reasons = fields.Text(required=True)

    def _compute_display_name(self):
        labels = dict(self._fields["recommendation"]._description_selection(self.env))
        for check in self:
            check.display_name = (
                f"{check.project_id.code} {labels.get(check.recommendation, '')} "
                f"({check.total_score:.0f})"
            )

    @api.model
    def _prepare_for_project(self, project):
        """Values of a new check of ``project``, scored by ``lib/feasibility.py``."""
        scheme = project.selected_scheme_id
        # Automatic flags are left out: they derive from the data scored here.
        manual_risks = project.risk_ids.filtered(lambda r: r.state == "open" and not r.flag_code)
        result = feasibility.assess(
            present=project._feasibility_present(),
            payback_years=scheme.payback_years if scheme else None,
            term_years=project.term_years,
            credit_rating=project.partner_id.commercial_partner_id.emc_credit_rating or None,
            open_risk_scores=manual_risks.mapped("score"),
        )
        return {
            "project_id": project.id,
            "scheme_id": scheme.id,
            "completeness_score": result.completeness_score,
            "payback_score": result.payback_score,
            "credit_score": result.credit_score,
            "risk_score": result.risk_score,
            "total_score": result.total_score,
            "recommendation": result.recommendation,
            "reasons": "\n".join(self._reason_text(reason) for reason in result.reasons),
        }

    @api.model
    def _item_labels(self, items):
        """Translated labels of completeness item codes."""
        return [self.env._(ITEM_LABELS[item]) for item in items]

    @api.model
    def _reason_text(self, reason):
        """The translated sentence of one ``feasibility.Reason``."""
        params = dict(reason.params)
        if reason.code == "missing_data":
            params["items"] = format_list(self.env, self._item_labels(params["items"]))
        return self.env._(REASON_MESSAGES[reason.code]) % params
