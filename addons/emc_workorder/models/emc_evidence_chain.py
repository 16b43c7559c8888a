import base64
import json
import logging
from datetime import timezone

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib import evidence, merkle, timestamp

_logger = logging.getLogger(__name__)

# pg_advisory_xact_lock(class, chain id): appends to one chain queue up, appends
# to two chains never wait on each other.
CHAIN_LOCK_CLASS = 74_310_001
# pg_try_advisory_xact_lock(class, chain id): one anchoring run per chain at a time.
ANCHOR_LOCK_CLASS = 74_310_002
# Rows read per round trip when verifying or hashing a chain.
VERIFY_BATCH = 20000
TSA_PARAMS = {
    "url": "emc_workorder.tsa_url",
    "policy": "emc_workorder.tsa_policy",
    "ca_pem": "emc_workorder.tsa_ca_pem",
    "timeout": "emc_workorder.tsa_timeout",
}


def append_only_sql(table, columns):
    """SQL installing triggers that make ``table`` append-only for ``columns``.

    UPDATE of any listed column, DELETE and TRUNCATE raise, whoever connects.
    UPDATEs that leave the listed columns as they are pass, so that a module
    upgrade can fill a column added later (which then joins the list).
    """
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)
    return f"""
        CREATE OR REPLACE FUNCTION {table}_immutable() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                IF {changed} THEN
                    RAISE EXCEPTION '{table} is append-only (UPDATE refused)';
                END IF;
                RETURN NEW;
            END IF;
            RAISE EXCEPTION '{table} is append-only (% refused)', TG_OP;
        END;
        $$ LANGUAGE plpgsql;

        DROP TRIGGER IF EXISTS {table}_immutable_row ON {table};
        CREATE TRIGGER {table}_immutable_row
            BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_immutable();
        DROP TRIGGER IF EXISTS {table}_immutable_truncate ON {table};
        CREATE TRIGGER {table}_immutable_truncate
            BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION {table}_immutable();
    """


class EmcEvidenceChain(models.Model):
    _name = "emc.evidence.chain"
    _description = "Evidence chain"
    _order = "legacy, company_id, id"

    name = fields.Char(compute="_compute_name")
    key = fields.Char(
        required=True,
        readonly=True,
        copy=False,
        help="Fixed identifier of the chain, certified by its anchors.",
    )
    company_id = fields.Many2one(
        "res.company", string="Organisation", readonly=True, index=True, ondelete="restrict"
    )
    legacy = fields.Boolean(
        string="Before per-organisation chains",
        readonly=True,
        help="The single chain of the events recorded before each organisation had its own.",
    )
    event_count = fields.Integer(string="Events", compute="_compute_event_count")
    anchor_ids = fields.One2many("emc.evidence.anchor", "chain_id", string="Anchors")
    last_anchor_id = fields.Many2one(
        "emc.evidence.anchor", string="Last anchor", compute="_compute_last_anchor"
    )
    anchored_count = fields.Integer(
        string="Events anchored",
        compute="_compute_last_anchor",
        help="Events the last anchor covers.",
    )
    date_anchor_attempt = fields.Datetime(string="Last anchoring attempt", readonly=True)
    anchor_error = fields.Text(string="Anchoring problem", readonly=True)
    date_verified = fields.Datetime(string="Last verified", readonly=True)
    verify_ok = fields.Boolean(string="Intact at last verification", readonly=True)
    verify_message = fields.Text(string="Last verification", readonly=True)

    _sql_constraints = [
        ("key_uniq", "unique(key)", "An evidence chain's key is unique."),
        ("company_uniq", "unique(company_id)", "An organisation has one evidence chain."),
    ]

    @api.depends("company_id", "legacy")
    def _compute_name(self):
        for chain in self:
            chain.name = (
                _("Before per-organisation chains") if chain.legacy else chain.company_id.name
            )

    def _compute_event_count(self):
        lengths = self._lengths()
        for chain in self:
            chain.event_count = lengths.get(chain.id, 0)

    @api.depends("anchor_ids")
    def _compute_last_anchor(self):
        last = {}
        for anchor in self.anchor_ids.sorted("number"):
            last[anchor.chain_id.id] = anchor
        for chain in self:
            anchor = last.get(chain.id, self.env["emc.evidence.anchor"])
            chain.last_anchor_id = anchor
            chain.anchored_count = anchor.size

    def write(self, vals):
        if set(vals) & {"key", "company_id", "legacy"}:
            raise UserError(_("The identity of an evidence chain cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_chain(self):
        raise UserError(_("Evidence chains cannot be deleted."))

    # ------------------------------------------------------------------
    # Appending (called by emc.workorder.event)
    # ------------------------------------------------------------------
    @api.model
    def _key_prefix(self):
        return self.env["ir.config_parameter"].sudo().get_param("database.uuid") or "emc"

    @api.model
    def _for_companies(self, company_ids):
        """The chain of each organisation, created when missing: {company id: chain}."""
        company_ids = sorted(set(company_ids))
        if not company_ids:
            return {}
        prefix = self._key_prefix()
        # Two first events of an organisation may race to create its chain:
        # ON CONFLICT lets one of them do it and the other read it.
        self.env.cr.execute(
            SQL(
                """INSERT INTO emc_evidence_chain
                          (key, company_id, legacy, create_uid, create_date, write_uid, write_date)
                   SELECT %s || '/company/' || c, c, false, %s, now() at time zone 'UTC',
                          %s, now() at time zone 'UTC'
                     FROM unnest(%s::int[]) AS c
                   ON CONFLICT DO NOTHING""",
                prefix,
                self.env.uid,
                self.env.uid,
                company_ids,
            )
        )
        self.env.cr.execute(
            SQL(
                "SELECT company_id, id FROM emc_evidence_chain WHERE company_id = ANY(%s)",
                company_ids,
            )
        )
        return {company: self.browse(chain) for company, chain in self.env.cr.fetchall()}

    def _lock_heads(self):
        """Lock the chains for appending; their heads: {chain id: (next sequence, hash)}.

        The locks are held until the transaction ends and taken in id order,
        so that two transactions appending to the same chains never deadlock.
        """
        heads = {}
        for chain_id in sorted(self.ids):
            self.env.cr.execute(
                SQL("SELECT pg_advisory_xact_lock(%s, %s)", CHAIN_LOCK_CLASS, chain_id)
            )
            self.env.cr.execute(
                SQL(
                    """SELECT sequence, hash FROM emc_workorder_event
                        WHERE chain_id = %s ORDER BY sequence DESC LIMIT 1""",
                    chain_id,
                )
            )
            row = self.env.cr.fetchone()
            heads[chain_id] = (row[0] + 1, row[1]) if row else (0, evidence.GENESIS)
        return heads

    def _lengths(self):
        """Number of events of each chain: {chain id: count}."""
        if not self.ids:
            return {}
        self.env.cr.execute(
            SQL(
                """SELECT chain_id, max(sequence) + 1 FROM emc_workorder_event
                    WHERE chain_id = ANY(%s) GROUP BY chain_id""",
                self.ids,
            )
        )
        return dict(self.env.cr.fetchall())

    # ------------------------------------------------------------------
    # Migration of the single global chain
    # ------------------------------------------------------------------
    @api.model
    def _migrate_legacy_events(self):
        """Put the events recorded before per-organisation chains into the legacy chain.

        They keep their payloads and hashes (nothing is re-hashed): they get
        the legacy chain and their position in it, in id order, the order in
        which they were chained. Returns the number of events migrated.
        """
        cr = self.env.cr
        cr.execute("SELECT count(*) FROM emc_workorder_event WHERE chain_id IS NULL")
        count = cr.fetchone()[0]
        if not count:
            return 0
        legacy = self.search([("legacy", "=", True)], limit=1)
        if not legacy:
            legacy = self.sudo().create(
                {"key": f"{self._key_prefix()}/legacy", "legacy": True, "company_id": False}
            )
        start = legacy._lengths().get(legacy.id, 0)
        # The rows are append-only for everyone; the migration alone sets the
        # two columns that did not exist when they were written.
        cr.execute(
            "ALTER TABLE emc_workorder_event DISABLE TRIGGER emc_workorder_event_immutable_row"
        )
        cr.execute(
            SQL(
                """UPDATE emc_workorder_event e
                      SET chain_id = %s, sequence = %s + r.rn - 1
                     FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn
                             FROM emc_workorder_event WHERE chain_id IS NULL) r
                    WHERE e.id = r.id""",
                legacy.id,
                start,
            )
        )
        cr.execute(
            "ALTER TABLE emc_workorder_event ENABLE TRIGGER emc_workorder_event_immutable_row"
        )
        _logger.info("Evidence: %s events moved to the legacy chain %s", count, legacy.key)
        return count

    # ------------------------------------------------------------------
    # Reading the chain
    # ------------------------------------------------------------------
    def _rows(self, start_id=0, limit=None, ids=None):
        """Batches of evidence.ChainRow of this chain after id ``start_id``, in id order.

        ``ids`` restricts them to those events.

        Rows of one chain were inserted under its lock, so id order is chain
        order; walking by id (not by sequence) lets a changed sequence show
        at the row that was changed.
        """
        self.ensure_one()
        Event = self.env["emc.workorder.event"]
        select = SQL(", ").join(
            SQL("to_char(date, 'YYYY-MM-DD HH24:MI:SS')")
            if column == "date"
            else SQL.identifier(column)
            for column in evidence.PAYLOAD_COLUMNS
        )
        last_id = start_id
        cr = self.env.cr
        while True:
            cr.execute(
                SQL(
                    """SELECT id, sequence, payload, payload_hash, prev_hash, hash, %s
                         FROM %s WHERE chain_id = %s AND id > %s %s ORDER BY id LIMIT %s""",
                    select,
                    SQL.identifier(Event._table),
                    self.id,
                    last_id,
                    SQL("AND id = ANY(%s)", list(ids)) if ids is not None else SQL(),
                    limit or VERIFY_BATCH,
                )
            )
            batch = cr.fetchall()
            if not batch:
                return
            yield [
                evidence.ChainRow(
                    id=r[0],
                    sequence=r[1],
                    payload=r[2],
                    payload_hash=r[3],
                    prev_hash=r[4],
                    hash=r[5],
                    columns=r[6:],
                )
                for r in batch
            ]
            last_id = batch[-1][0]

    def _leaf_hashes(self, start, stop):
        """Merkle leaf hashes of events ``start`` (included) to ``stop`` (excluded), in order."""
        self.ensure_one()
        cr = self.env.cr
        position = start
        while position < stop:
            cr.execute(
                SQL(
                    """SELECT hash FROM emc_workorder_event
                        WHERE chain_id = %s AND sequence >= %s AND sequence < %s
                        ORDER BY sequence LIMIT %s""",
                    self.id,
                    position,
                    stop,
                    VERIFY_BATCH,
                )
            )
            batch = cr.fetchall()
            if not batch:
                return
            for (row_hash,) in batch:
                yield evidence.leaf_of(row_hash)
            position += len(batch)

    def _anchor_records(self):
        """The chain's anchors as evidence.AnchorRecord, by number (token bytes decoded)."""
        self.ensure_one()
        return [anchor._as_record() for anchor in self.anchor_ids.sorted("number")]

    # ------------------------------------------------------------------
    # Verification
    # ------------------------------------------------------------------
    @api.model
    def _tsa_config(self):
        get = self.env["ir.config_parameter"].sudo().get_param
        return {
            "url": (get(TSA_PARAMS["url"]) or "").strip(),
            "policy": (get(TSA_PARAMS["policy"]) or "").strip() or None,
            "ca_pem": (get(TSA_PARAMS["ca_pem"]) or "").encode(),
            "timeout": float(get(TSA_PARAMS["timeout"]) or 10),
        }

    def _verify(self):
        """Verify this chain, its anchors' tokens and anchored heads: an evidence.VerifyResult."""
        self.ensure_one()
        self.env["emc.workorder.event"].flush_model()
        anchors = self._anchor_records()
        times = {}
        if anchors:
            ca_pem = self._tsa_config()["ca_pem"]
            if not evidence.split_pem(ca_pem):
                return evidence.VerifyResult(False, 0, None, "no_ca", evidence.GENESIS)
            for anchor in anchors:
                reason, when = evidence.token_time(anchor, ca_pem)
                if reason is not None:
                    return evidence.VerifyResult(False, 0, None, reason, evidence.GENESIS)
                times[anchor.number] = when
        verifier = evidence.ChainVerifier(
            checkpoints={a.size: a.checkpoint() for a in anchors},
            require_v2=not self.legacy,
            anchor_times=times,
        )
        for batch in self._rows():
            if verifier.feed(batch) is not None:
                break
        return verifier.result()

    def _verdict(self, result):
        """The verdict on this chain in the reader's language."""
        self.ensure_one()
        Event = self.env["emc.workorder.event"]
        if result.ok:
            if result.anchor_number:
                anchored = _(
                    "anchored by a trusted timestamp up to event no. %(size)s (anchor %(number)s, "
                    "%(time)s)",
                    size=result.anchored,
                    number=result.anchor_number,
                    time=result.anchor_time,
                )
            else:
                anchored = _("not anchored by a trusted timestamp yet")
            message = _(
                "Evidence chain “%(chain)s” intact: %(count)s events verified; %(anchored)s.",
                chain=self.name,
                count=result.checked,
                anchored=anchored,
            )
            if result.unanchored and result.anchor_number:
                message += " " + _(
                    "%(count)s events after it are not anchored yet.", count=result.unanchored
                )
            return message
        reason = Event._reason_label(result.code, result.detail)
        if result.broken_id is None:
            return _(
                "Evidence chain “%(chain)s” broken: %(reason)s. %(count)s events checked.",
                chain=self.name,
                reason=reason,
                count=result.checked,
            )
        event = Event.sudo().browse(result.broken_id).exists()
        return _(
            "Evidence chain “%(chain)s” broken at event %(id)s (no. %(seq)s in the chain, "
            "work order %(order)s, %(type)s): %(reason)s. %(count)s events checked.",
            chain=self.name,
            id=result.broken_id,
            seq=result.broken_sequence,
            order=event.workorder_id.name if event else "?",
            type=event._event_type_label() if event else "?",
            reason=reason,
            count=result.checked,
        )

    def action_verify(self):
        """Verify the chains and tell the user, in their language."""
        chains = self or self.search([])
        messages, all_ok = [], True
        now = fields.Datetime.now()
        for chain in chains:
            result = chain._verify()
            message = chain._verdict(result)
            chain.sudo().write(
                {"date_verified": now, "verify_ok": result.ok, "verify_message": message}
            )
            messages.append(message)
            all_ok = all_ok and result.ok
        orphans = self.env["emc.workorder.event"]._orphan_count()
        if orphans:
            all_ok = False
            messages.append(
                _(
                    "%(count)s events belong to no evidence chain (their chain was altered).",
                    count=orphans,
                )
            )
        if not messages:
            messages.append(_("No evidence event yet."))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Evidence verification"),
                "message": "\n".join(messages),
                "type": "success" if all_ok else "danger",
                "sticky": not all_ok,
            },
        }

    # ------------------------------------------------------------------
    # Anchoring
    # ------------------------------------------------------------------
    def _anchor(self):
        """Anchor the head of each chain with an RFC 3161 token; the anchors made.

        A chain already anchored at its head, or being anchored by another
        run, is skipped. The TSA is called outside the chains' append locks,
        so appending never waits on it; a TSA that fails leaves the chain as it
        was, with the problem noted, for the next run to retry. Only the part
        of the chain since the last anchor is read: the tree is continued from
        the anchor's stored frontier, after checking that part of the chain.
        """
        config = self._tsa_config()
        Anchor = self.env["emc.evidence.anchor"]
        made = Anchor
        if not config["url"]:
            return made
        now = fields.Datetime.now()
        for chain in self:
            cr = self.env.cr
            cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", ANCHOR_LOCK_CLASS, chain.id))
            if not cr.fetchone()[0]:
                continue
            cr.execute(
                SQL(
                    """SELECT id, sequence, hash FROM emc_workorder_event
                        WHERE chain_id = %s ORDER BY sequence DESC LIMIT 1""",
                    chain.id,
                )
            )
            head = cr.fetchone()
            last = chain.last_anchor_id
            if not head or head[1] + 1 <= last.size:
                continue
            size = head[1] + 1
            problem = chain._check_tail(last)
            if problem:
                chain.sudo().write({"date_anchor_attempt": now, "anchor_error": problem})
                continue
            tree = (
                merkle.CompactRange.from_list(
                    last.size, [bytes.fromhex(h) for h in json.loads(last.frontier)]
                )
                if last
                else merkle.CompactRange()
            )
            for leaf in chain._leaf_hashes(last.size, size):
                tree.append(leaf)
            root = tree.root().hex()
            statement = evidence.anchor_statement(chain.key, size, root, head[2])
            try:
                token = timestamp.request_token(
                    config["url"],
                    statement,
                    policy=config["policy"],
                    timeout=config["timeout"],
                    ca_pem=config["ca_pem"] or None,
                )
            except timestamp.TimestampError as e:
                _logger.warning("Evidence anchor of chain %s failed: %s", chain.key, e)
                chain.sudo().write(
                    {
                        "date_anchor_attempt": now,
                        "anchor_error": Anchor._tsa_error_label(e.reason, str(e)),
                    }
                )
                continue
            made |= Anchor._append(
                {
                    "chain_id": chain.id,
                    "number": (last.number or 0) + 1,
                    "size": size,
                    "head_event_id": head[0],
                    "head_hash": head[2],
                    "root": root,
                    "token": base64.b64encode(token.der),
                    "tsa_time": token.gen_time.astimezone(timezone.utc).replace(tzinfo=None),
                    "tsa_serial": str(token.serial),
                    "tsa_policy": token.policy,
                    "tsa_url": config["url"],
                    "frontier": json.dumps([h.hex() for h in tree.to_list()]),
                }
            )
            chain.sudo().write({"date_anchor_attempt": now, "anchor_error": False})
        return made

    def _check_tail(self, last):
        """Translated problem if the events after anchor ``last`` do not chain, else False."""
        self.ensure_one()
        verifier = evidence.ChainVerifier(
            last.head_hash if last else evidence.GENESIS,
            start_index=last.size if last else 0,
            require_v2=not self.legacy,
        )
        start_id = last.head_event_id.id if last else 0
        for batch in self._rows(start_id=start_id):
            if verifier.feed(batch) is not None:
                break
        result = verifier.result()
        if result.ok:
            return False
        return _("Not anchored: %(verdict)s", verdict=self._verdict(result))

    @api.model
    def _schedule_anchor(self):
        """Have the anchoring cron run soon (a work order was closed).

        The cron runs in its own transaction, so the order's flow never waits
        on the time-stamping authority, and a failure is retried by its next
        regular run.
        """
        self.env.ref("emc_workorder.ir_cron_emc_evidence_anchor").sudo()._trigger()

    @api.model
    def _cron_anchor(self):
        """Anchor every chain that grew since its last anchor (retries earlier failures)."""
        self.search([])._anchor()

    def action_anchor_now(self):
        """Button: anchor these chains now and say how it went."""
        if not self._tsa_config()["url"]:
            raise UserError(
                _("No time-stamping authority is configured: set its URL in the settings.")
            )
        made = self._anchor()
        failed = self.filtered("anchor_error")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Evidence anchoring"),
                "message": "\n".join(
                    [_("%(count)s new anchor(s).", count=len(made))]
                    + [f"{c.name}: {c.anchor_error}" for c in failed]
                ),
                "type": "warning" if failed else "success",
                "sticky": bool(failed),
            },
        }
