from psycopg2.extras import execute_values

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib import evidence

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

# Columns kept outside the payload for searching; verification checks them
# against the payload, so altering one is detected like altering the payload.
INDEXED_COLUMNS = ("workorder_id", "event_type", "user_id", "date")
# Rows read per round trip when verifying.
VERIFY_BATCH = 20000
# Serialises appends to the single chain (pg_advisory_xact_lock key).
CHAIN_LOCK_KEY = 74_310_001


class EmcWorkorderEvent(models.Model):
    _name = "emc.workorder.event"
    _description = "Work order evidence event"
    _order = "id desc"
    _log_access = False

    workorder_id = fields.Many2one(
        "emc.workorder", required=True, ondelete="restrict", index=True, readonly=True
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
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
        # The database itself refuses to rewrite history: UPDATE of the chained
        # columns, DELETE and TRUNCATE raise, whoever connects.
        self.env.cr.execute(
            """
            CREATE OR REPLACE FUNCTION emc_workorder_event_immutable() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'UPDATE' THEN
                    IF NEW.workorder_id IS DISTINCT FROM OLD.workorder_id
                       OR NEW.event_type IS DISTINCT FROM OLD.event_type
                       OR NEW.user_id IS DISTINCT FROM OLD.user_id
                       OR NEW.date IS DISTINCT FROM OLD.date
                       OR NEW.old_value IS DISTINCT FROM OLD.old_value
                       OR NEW.new_value IS DISTINCT FROM OLD.new_value
                       OR NEW.note IS DISTINCT FROM OLD.note
                       OR NEW.payload IS DISTINCT FROM OLD.payload
                       OR NEW.payload_hash IS DISTINCT FROM OLD.payload_hash
                       OR NEW.prev_hash IS DISTINCT FROM OLD.prev_hash
                       OR NEW.hash IS DISTINCT FROM OLD.hash THEN
                        RAISE EXCEPTION 'emc_workorder_event is append-only (UPDATE refused)';
                    END IF;
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'emc_workorder_event is append-only (% refused)', TG_OP;
            END;
            $$ LANGUAGE plpgsql;

            DROP TRIGGER IF EXISTS emc_workorder_event_immutable_row ON emc_workorder_event;
            CREATE TRIGGER emc_workorder_event_immutable_row
                BEFORE UPDATE OR DELETE ON emc_workorder_event
                FOR EACH ROW EXECUTE FUNCTION emc_workorder_event_immutable();
            DROP TRIGGER IF EXISTS emc_workorder_event_immutable_truncate ON emc_workorder_event;
            CREATE TRIGGER emc_workorder_event_immutable_truncate
                BEFORE TRUNCATE ON emc_workorder_event
                FOR EACH STATEMENT EXECUTE FUNCTION emc_workorder_event_immutable();
            """
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
    def _lock_chain(self):
        self.env.cr.execute(SQL("SELECT pg_advisory_xact_lock(%s)", CHAIN_LOCK_KEY))
        self.env.cr.execute(SQL("SELECT hash FROM emc_workorder_event ORDER BY id DESC LIMIT 1"))
        row = self.env.cr.fetchone()
        return row[0] if row else evidence.GENESIS

    @api.model
    def _payload(self, vals):
        return {
            "workorder_id": vals["workorder_id"],
            "workorder": vals.get("workorder_name"),
            "event_type": vals["event_type"],
            "user_id": vals.get("user_id") or None,
            "date": vals["date"],
            "old": vals.get("old_value") or None,
            "new": vals.get("new_value") or None,
            "note": vals.get("note") or None,
            "attachments": vals.get("attachments") or [],
            "data": vals.get("data") or {},
        }

    @api.model
    def _chain(self, vals_list):
        """Column values of new events, linked to the chain's current head.

        Each dict has workorder_id, workorder_name, event_type and optionally
        company_id, user_id, date, old_value, new_value, note, attachments
        (list of {name, sha256}) and data (a small JSON-able dict). The chain
        lock is held until the transaction ends, so concurrent appends queue
        up instead of forking the chain.
        """
        prev = self._lock_chain()
        now = fields.Datetime.to_string(fields.Datetime.now())
        rows = []
        for vals in vals_list:
            vals = dict(vals, date=vals.get("date") or now)
            payload, payload_hash, link = evidence.make_link(prev, self._payload(vals))
            rows.append(
                {
                    "workorder_id": vals["workorder_id"],
                    "company_id": vals.get("company_id") or None,
                    "event_type": vals["event_type"],
                    "user_id": vals.get("user_id") or None,
                    "date": vals["date"],
                    "old_value": vals.get("old_value") or None,
                    "new_value": vals.get("new_value") or None,
                    "note": vals.get("note") or None,
                    "payload": payload,
                    "payload_hash": payload_hash,
                    "prev_hash": prev,
                    "hash": link,
                }
            )
            prev = link
        return rows

    @api.model
    def _append(self, vals_list):
        """Append events to the chain, in order, inside the current transaction."""
        if not vals_list:
            return self.browse()
        records = [
            {key: value if value is not None else False for key, value in row.items()}
            for row in self._chain(vals_list)
        ]
        return self.sudo().with_context(emc_event_append=True).create(records)

    @api.model
    def _append_sql(self, vals_list):
        """Same chain as _append, inserted in one statement (crons, bulk loads)."""
        if not vals_list:
            return 0
        columns = (
            "workorder_id",
            "company_id",
            "event_type",
            "user_id",
            "date",
            "old_value",
            "new_value",
            "note",
            "payload",
            "payload_hash",
            "prev_hash",
            "hash",
        )
        rows = [tuple(row[c] for c in columns) for row in self._chain(vals_list)]
        execute_values(
            self.env.cr._obj,
            f"INSERT INTO emc_workorder_event ({', '.join(columns)}) VALUES %s",
            rows,
            page_size=1000,
        )
        # Rows inserted behind the ORM's back: forget cached event lists.
        self.env["emc.workorder"].invalidate_model(["event_ids"])
        return len(rows)

    # ------------------------------------------------------------------
    # Verification
    # ------------------------------------------------------------------
    @api.model
    def _verify_chain(self):
        """Walk the whole chain in id order; stop at the first broken link.

        Read in batches with keyset pagination and hashed as stored, so memory
        stays flat whatever the size of the chain.
        """
        cr = self.env.cr
        verifier = evidence.ChainVerifier()
        last_id = 0
        while True:
            cr.execute(
                SQL(
                    """SELECT id, payload, payload_hash, prev_hash, hash,
                              workorder_id, event_type, user_id,
                              to_char(date, 'YYYY-MM-DD HH24:MI:SS')
                         FROM emc_workorder_event
                        WHERE id > %s ORDER BY id LIMIT %s""",
                    last_id,
                    VERIFY_BATCH,
                )
            )
            batch = cr.fetchall()
            if not batch:
                break
            rows = (
                evidence.ChainRow(
                    id=r[0],
                    payload=r[1],
                    payload_hash=r[2],
                    prev_hash=r[3],
                    hash=r[4],
                    columns={
                        "workorder_id": r[5],
                        "event_type": r[6],
                        "user_id": r[7],
                        "date": r[8],
                    },
                )
                for r in batch
            )
            broken = verifier.feed(rows)
            if broken is not None:
                return broken
            last_id = batch[-1][0]
        return verifier.result()

    def _reason_label(self, reason):
        if not reason:
            return ""
        if reason.startswith("column_mismatch"):
            column = reason.partition(":")[2]
            return _("the indexed column %(column)s differs from the signed payload", column=column)
        return {
            "payload_hash": _("the payload was altered"),
            "link_hash": _("the hash was altered"),
            "prev_link": _(
                "the previous link does not match: an event was removed, inserted or reordered"
            ),
            "bad_payload": _("the payload is unreadable"),
        }.get(reason, reason)

    @api.model
    def action_verify_chain(self):
        """Verify the evidence chain and report the result to the user."""
        result = self._verify_chain()
        if result.ok:
            message = _("Evidence chain intact: %(count)s events verified.", count=result.checked)
            kind = "success"
        else:
            event = self.browse(result.broken_id).exists()
            message = _(
                "Evidence chain broken at event %(id)s (work order %(order)s, %(type)s): "
                "%(reason)s. %(count)s events checked.",
                id=result.broken_id,
                order=event.workorder_id.name if event else "?",
                type=dict(EVENT_TYPES).get(event.event_type, "?") if event else "?",
                reason=self._reason_label(result.reason),
                count=result.checked,
            )
            kind = "danger"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Evidence verification"),
                "message": message,
                "type": kind,
                "sticky": not result.ok,
            },
        }
