from odoo import fields, models


class EmcKnowledgeArticle(models.Model):
    _name = "emc.knowledge.article"
    _description = "Service desk knowledge article"
    _inherit = ["mail.thread"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    type_ids = fields.Many2many("emc.workorder.type", string="Types")
    keywords = fields.Char(help="Comma-separated; an article matches when one appears.")
    body = fields.Html(translate=True)

    def _keyword_list(self):
        self.ensure_one()
        return [k.strip() for k in (self.keywords or "").replace("，", ",").split(",") if k.strip()]

    def _matches(self, workorder):
        self.ensure_one()
        if self.type_ids and workorder.type_id not in self.type_ids:
            return False
        words = self._keyword_list()
        if not words:
            return bool(self.type_ids)
        text = workorder.description or ""
        return any(word in text for word in words)
