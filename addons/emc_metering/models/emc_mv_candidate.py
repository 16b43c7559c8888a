from odoo import api, fields, models

from .. import mv
from .emc_mv_baseline import MODEL_TYPES


class EmcMvCandidate(models.Model):
    """How one model type fared in a baseline's search (CalTRACK candidates)."""

    _name = "emc.mv.candidate"
    _description = "Baseline model candidate"
    _order = "baseline_id, id"

    baseline_id = fields.Many2one("emc.mv.baseline", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="baseline_id.company_id", store=True, index=True)
    model_type = fields.Selection(MODEL_TYPES, required=True)
    evaluated = fields.Integer(
        string="Fitted",
        help="Candidates of this type fitted (balance points with enough degree days).",
    )
    qualified = fields.Integer(help="Candidates with a positive, significant coefficient each.")
    best_adj_r_squared = fields.Float(string="Best adjusted R²")
    heating_balance_point = fields.Float(string="Heating balance point (°C)")
    cooling_balance_point = fields.Float(string="Cooling balance point (°C)")
    rejection = fields.Json()
    rejection_text = fields.Char(string="Rejected because", compute="_compute_rejection_text")
    selected = fields.Boolean(compute="_compute_rejection_text")

    @api.depends("rejection", "baseline_id.model_type")
    @api.depends_context("lang")
    def _compute_rejection_text(self):
        for candidate in self:
            rejection = candidate.rejection
            candidate.rejection_text = (
                mv.Reason.from_dict(rejection).translated(self.env._) if rejection else False
            )
            candidate.selected = candidate.model_type == candidate.baseline_id.model_type
