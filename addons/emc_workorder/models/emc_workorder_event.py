from psycopg2.extras import execute_values

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import evidence
from .emc_evidence_chain import append_only_sql

EVENT_TYPES = [
    ("created", "Created"),
    ("submitted", "Submitted"),
    ("precheck_passed", "Pre-check passed"),
    ("precheck_failed", "Pre-check failed"),
    ("resubmitted", "Resubmitted by the customer"),
    ("classified", "Classified"),
    ("classification_manual", "Sent to manual classification"),
    ("dispatched", "Dispatched"),
    ("assigned", "Assigned"),
    ("reassigned", "Reassigned"),
    ("knowledge_pushed", "Knowledge pushed"),
    ("scheme_uploaded", "Scheme uploaded"),
    ("scheme_pushed", "Scheme pushed to the customer"),
    ("confirmed", "Scheme confirmed"),
    ("rejected", "Scheme rejected"),
    ("signature_captured", "Signature captured"),
    ("survey_assigned", "Survey assigned"),
    ("survey_submitted", "Survey submitted"),
    ("contract_archived", "Contract archived"),
    ("progress_reported", "Progress reported"),
    ("exception_raised", "Exception raised"),
    ("exception_resolved", "Exception resolved"),
    ("sla_level_1", "SLA level 1"),
    ("sla_level_2", "SLA level 2"),
    ("sla_level_3", "SLA level 3"),
    ("accepted", "Accepted"),
    ("acceptance_rejected", "Rejected at acceptance"),
    ("rated", "Rated"),
    ("closed", "Closed"),
    ("reopened", "Reopened"),
    ("cancelled", "Cancelled"),
]

# Rows inserted per statement by the SQL path.
INSERT_PAGE = 1000


class EmcWorkorderEvent(models.Model):
    _name = "emc.workorder.event"
    _description = "Work order evidence event"
    _order = "id desc"
    _log_access = False

    workorder_id = fields.Many2one(
        "emc.workorder", required=True, ondelete="restrict", index=True, readonly=True
    )
    company_id = fields.Many2one("res.company", string="Organisation", readonly=True, index=True)
    chain_id = fields.Many2one(
        "emc.evidence.chain",
        string="Evidence chain",
        readonly=True,
        ondelete="restrict",
    )
    sequence = fields.Integer(string="No. in the chain", readonly=True)
    event_type = fields.Selection(EVENT_TYPES, required=True, readonly=True, index=True)
    user_id = fields.Many2one("res.users", string="Actor", readonly=True)
    date = fields.Datetime(required=True, readonly=True, index=True)
    old_value = fields.Char(readonly=True)
    new_value = fields.Char(readonly=True)
    note = fields.Text(readonly=True)
    payload = fields.Text(readonly=True, required=True)
    payload_hash = fields.Char(readonly=True, required=True)
    prev_hash = fields.Char(readonly=True, required=True)
    hash = fields.Char(readonly=True, required=True, index=True)

    def init(self):
        # The database itself refuses to rewrite history: UPDATE of any stored
        # column, DELETE and TRUNCATE raise, whoever connects.
        columns = [
            c for c in (*evidence.STRUCTURAL_COLUMNS, *evidence.PAYLOAD_COLUMNS) if c != "id"
        ]
        self.env.cr.execute(append_only_sql(self._table, columns))
        # One position per event in its chain; the verification walks a chain by id.
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS emc_workorder_event_chain_sequence_uniq
                   ON emc_workorder_event (chain_id, sequence);
               CREATE INDEX IF NOT EXISTS emc_workorder_event_chain_id_id_idx
                   ON emc_workorder_event (chain_id, id);"""
        )

    # ------------------------------------------------------------------
    # Append-only through the ORM too
    # ------------------------------------------------------------------
    def write(self, vals):
        raise UserError(_("Evidence events cannot be modified."))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_evidence(self):
        raise UserError(_("Evidence events cannot be deleted."))

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get("emc_event_append"):
            raise UserError(
                _("Evidence events are recorded by the work order operations, not by hand.")
            )
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # Appending
    # ------------------------------------------------------------------
    @api.model
    def _chain(self, vals_list):
        """Column values of new events, linked to the heads of their organisations' chains.

        Each dict has workorder_id, workorder_name, company_id, event_type and
        optionally user_id, date, old_value, new_value, note, attachments
        (list of {name, sha256}) and data (a small JSON-able dict). The
        payload is built from the payload columns (evidence.PAYLOAD_COLUMNS),
        the list verification compares. The locks of the chains involved are
        held until the transaction ends, so concurrent appends to one chain
        queue up instead of forking it, and appends to other chains go on.
        """
        chains = self.env["emc.evidence.chain"]._for_companies(
            vals["company_id"] for vals in vals_list
        )
        heads = self.env["emc.evidence.chain"].union(*chains.values())._lock_heads()
        now = fields.Datetime.to_string(fields.Datetime.now())
        rows = []
        for vals in vals_list:
            chain = chains[vals["company_id"]]
            sequence, prev = heads[chain.id]
            columns = {column: vals.get(column) or None for column in evidence.PAYLOAD_COLUMNS}
            columns["date"] = vals.get("date") or now
            data = evidence.build_payload(
                columns,
                workorder=vals.get("workorder_name"),
                attachments=vals.get("attachments") or [],
                data=vals.get("data") or {},
            )
            payload, payload_hash, link = evidence.make_link(prev, data)
            rows.append(
                {
                    **columns,
                    "chain_id": chain.id,
                    "sequence": sequence,
                    "payload": payload,
                    "payload_hash": payload_hash,
                    "prev_hash": prev,
                    "hash": link,
                }
            )
            heads[chain.id] = (sequence + 1, link)
        return rows

    @api.model
    def _append(self, vals_list):
        """Append events to their chains, in order, inside the current transaction."""
        if not vals_list:
            return self.browse()
        records = [
            {key: value if value is not None else False for key, value in row.items()}
            for row in self._chain(vals_list)
        ]
        return self.sudo().with_context(emc_event_append=True).create(records)

    @api.model
    def _append_sql(self, vals_list):
        """Same chains as _append, inserted in one statement per page (crons, bulk loads)."""
        if not vals_list:
            return 0
        rows = self._chain(vals_list)
        columns = list(rows[0])
        execute_values(
            self.env.cr._obj,
            f"INSERT INTO emc_workorder_event ({', '.join(columns)}) VALUES %s",
            [tuple(row[c] for c in columns) for row in rows],
            page_size=INSERT_PAGE,
        )
        # Rows inserted behind the ORM's back: forget cached event lists.
        self.env["emc.workorder"].invalidate_model(["event_ids"])
        return len(rows)

    # ------------------------------------------------------------------
    # Verification
    # ------------------------------------------------------------------
    @api.model
    def _orphan_count(self):
        """Events outside every chain: their chain column was altered."""
        self.env.cr.execute(
            """SELECT count(*) FROM emc_workorder_event e
                WHERE NOT EXISTS (SELECT 1 FROM emc_evidence_chain c WHERE c.id = e.chain_id)"""
        )
        return self.env.cr.fetchone()[0]

    def _event_type_label(self):
        self.ensure_one()
        return dict(self._fields["event_type"]._description_selection(self.env)).get(
            self.event_type, self.event_type
        )

    @api.model
    def _reason_label(self, code, detail=None):
        """The reader's-language text of an evidence verification reason."""
        if code == "column_mismatch":
            field = self._fields.get(detail)
            return _(
                "the column “%(column)s” differs from the signed payload",
                column=field._description_string(self.env) if field else detail,
            )
        labels = {
            "sequence": _("its position in the chain is wrong: an event was removed or inserted"),
            "payload_hash": _("the payload was altered"),
            "link_hash": _("the hash was altered"),
            "prev_link": _(
                "the previous link does not match: an event was removed, inserted or reordered"
            ),
            "bad_payload": _("the payload is unreadable"),
            "anchor_mismatch": _(
                "the chain up to this event differs from what anchor %(number)s certified: "
                "it was rewritten",
                number=detail,
            ),
            "truncated": _(
                "events were deleted from its end: anchor %(number)s covers more events",
                number=detail,
            ),
            "anchor_token": _(
                "the time-stamp token of anchor %(number)s is not valid for the configured CA "
                "certificate",
                number=detail,
            ),
            "no_ca": _(
                "the chain has anchors but no CA certificate of the time-stamping authority is "
                "configured to check them"
            ),
        }
        return labels.get(code, code or "")

    @api.model
    def _verify_chain(self):
        """Verify every chain: the first broken chain's result, else one summing them all."""
        results = [chain._verify() for chain in self.env["emc.evidence.chain"].sudo().search([])]
        broken = next((r for r in results if not r.ok), None)
        if broken:
            return broken
        return evidence.VerifyResult(
            True,
            sum(r.checked for r in results),
            None,
            None,
            results[-1].last_hash if results else evidence.GENESIS,
            anchored=sum(r.anchored for r in results),
            unanchored=sum(r.unanchored for r in results),
        )

    @api.model
    def action_verify_chain(self):
        """Verify every evidence chain and report the result to the user."""
        return self.env["emc.evidence.chain"].action_verify()
