import base64
import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import evidence
from .emc_evidence_chain import append_only_sql

# Every stored column of an anchor; the database refuses to change any.
ANCHOR_COLUMNS = (
    "chain_id",
    "number",
    "size",
    "head_event_id",
    "head_hash",
    "root",
    "token",
    "tsa_time",
    "tsa_serial",
    "tsa_policy",
    "tsa_url",
    "frontier",
    "create_uid",
    "create_date",
)


class EmcEvidenceAnchor(models.Model):
    """The head of an evidence chain certified by a Time-Stamping Authority (可信时间戳).

    Immutable like the events it anchors: the ORM refuses to create one by
    hand, to write or to delete, and database triggers refuse UPDATE, DELETE
    and TRUNCATE.
    """

    _name = "emc.evidence.anchor"
    _description = "Evidence anchor (trusted timestamp)"
    _order = "chain_id, number desc"
    _rec_name = "number"

    chain_id = fields.Many2one(
        "emc.evidence.chain", required=True, readonly=True, index=True, ondelete="restrict"
    )
    company_id = fields.Many2one(related="chain_id.company_id", string="Organisation")
    number = fields.Integer(readonly=True, required=True, help="Anchors of a chain count from 1.")
    size = fields.Integer(
        string="Events anchored", readonly=True, required=True, help="The chain's first N events."
    )
    head_event_id = fields.Many2one(
        "emc.workorder.event", string="Head event", readonly=True, ondelete="restrict"
    )
    head_hash = fields.Char(readonly=True, required=True)
    root = fields.Char(string="Merkle tree head", readonly=True, required=True)
    token = fields.Binary(string="Time-stamp token", readonly=True, attachment=False)
    tsa_time = fields.Datetime(string="TSA time", readonly=True)
    tsa_serial = fields.Char(string="Token serial number", readonly=True)
    tsa_policy = fields.Char(string="TSA policy", readonly=True)
    tsa_url = fields.Char(string="TSA", readonly=True)
    frontier = fields.Text(
        readonly=True,
        help="Roots of the tree's right-edge subtrees, from which the next anchor continues.",
    )

    _sql_constraints = [
        ("number_uniq", "unique(chain_id, number)", "Anchor numbers are unique per chain."),
    ]

    def init(self):
        self.env.cr.execute(append_only_sql(self._table, ANCHOR_COLUMNS))

    @api.depends("chain_id", "number")
    def _compute_display_name(self):
        for anchor in self:
            anchor.display_name = _(
                "%(chain)s – anchor %(number)s", chain=anchor.chain_id.name, number=anchor.number
            )

    # ------------------------------------------------------------------
    # Append-only through the ORM too
    # ------------------------------------------------------------------
    def write(self, vals):
        raise UserError(_("Evidence anchors cannot be modified."))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_anchor(self):
        raise UserError(_("Evidence anchors cannot be deleted."))

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get("emc_anchor_append"):
            raise UserError(_("Evidence anchors are made by the anchoring, not by hand."))
        return super().create(vals_list)

    @api.model
    def _append(self, vals):
        return self.sudo().with_context(emc_anchor_append=True).create(vals)

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _as_record(self):
        """This anchor as an evidence.AnchorRecord (consistency left empty)."""
        self.ensure_one()
        return evidence.AnchorRecord(
            chain=self.chain_id.key,
            number=self.number,
            size=self.size,
            root=self.root,
            head=self.head_hash,
            token=base64.b64decode(self.token or b""),
            tsa_time=fields.Datetime.to_string(self.tsa_time) if self.tsa_time else None,
        )

    def _frontier_hashes(self):
        self.ensure_one()
        return [bytes.fromhex(h) for h in json.loads(self.frontier or "[]")]

    @api.model
    def _tsa_error_label(self, reason, detail):
        """The reader's-language text of a timestamp.TimestampError reason."""
        labels = {
            "unreachable": _("the time-stamping authority cannot be reached"),
            "http_status": _("the time-stamping authority answered with an HTTP error"),
            "rejected": _("the time-stamping authority refused the request"),
            "malformed": _("the answer of the time-stamping authority is unreadable"),
            "nonce_mismatch": _("the answer does not match the request (nonce)"),
            "imprint_mismatch": _("the token does not certify the chain head that was sent"),
            "untrusted": _("the token is not signed by the configured CA certificate"),
            "bad_signature": _("the token's signature is invalid"),
            "policy_mismatch": _("the token was issued under another policy"),
        }
        return _(
            "%(problem)s (%(detail)s); it will be retried at the next run.",
            problem=labels.get(reason, reason),
            detail=detail,
        )
