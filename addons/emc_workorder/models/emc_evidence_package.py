from itertools import pairwise

from odoo import api, fields, models

from ..lib import evidence, merkle


class EmcEvidenceChain(models.Model):
    """Evidence packages: what an auditor verifies without Odoo (see lib/evidence.py)."""

    _inherit = "emc.evidence.chain"

    def action_download_package(self):
        """Button: download the package of this chain."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/emc_workorder/evidence/chain/{self.id}",
            "target": "self",
        }

    def _package_chain_line(self):
        self.ensure_one()
        return {"key": self.key, "name": self.name, "legacy": self.legacy}

    def _package_anchor_lines(self):
        """anchors.jsonl lines of these chains, each with its consistency proof.

        The proofs show that each anchor's tree extends the previous one of
        the same chain; they are computed in one pass over the chain's leaves.
        """
        for chain in self:
            anchors = chain.anchor_ids.sorted("number")
            pairs = [(a.size, b.size) for a, b in pairwise(anchors)]
            proofs = (
                merkle.consistency_proofs(chain._leaf_hashes(0, anchors[-1].size), pairs)
                if pairs
                else {}
            )
            previous = None
            for anchor in anchors:
                proof = proofs.get((previous.size, anchor.size), []) if previous else []
                yield {
                    "chain": chain.key,
                    "number": anchor.number,
                    "size": anchor.size,
                    "root": anchor.root,
                    "head": anchor.head_hash,
                    "token": (anchor.token or b"").decode(),
                    "tsa_time": fields.Datetime.to_string(anchor.tsa_time),
                    "consistency": [h.hex() for h in proof],
                }
                previous = anchor

    @staticmethod
    def _package_event_line(key, row, **extra):
        return {
            "chain": key,
            "id": row.id,
            "sequence": row.sequence,
            "payload": row.payload,
            "payload_hash": row.payload_hash,
            "prev_hash": row.prev_hash,
            "hash": row.hash,
            "columns": evidence.column_map(row.columns),
            **extra,
        }

    def _write_package(self, target):
        """Write the package of this whole chain (every event, every anchor) to ``target``."""
        self.ensure_one()
        self.env["emc.workorder.event"].flush_model()

        def events():
            for batch in self._rows():
                for row in batch:
                    yield self._package_event_line(self.key, row)

        evidence.write_package(
            target,
            kind="chain",
            scope={"chain": self.key, "organisation": self.company_id.name or None},
            chains=[self._package_chain_line()],
            events=events(),
            anchors=self._package_anchor_lines(),
            ca_pem=self._tsa_config()["ca_pem"],
            created=fields.Datetime.to_string(fields.Datetime.now()),
        )

    @api.model
    def _write_order_package(self, order, target):
        """Write the package of one work order's events to ``target``.

        Only the order's own events are in it; each carries its inclusion
        proof against the last anchor of its chain that covers it. Chains that
        grew since their last anchor are anchored first when a time-stamping
        authority is configured, so that the package is as complete as it can
        be (events it could not cover are reported unanchored).
        """
        order.ensure_one()
        Event = self.env["emc.workorder.event"].sudo()
        Event.flush_model()
        events = Event.search([("workorder_id", "=", order.id)], order="id")
        chains = events.chain_id.sudo()
        chains._anchor()
        lines = []
        for chain in chains:
            mine = events.filtered(lambda e, c=chain: e.chain_id == c)
            anchor = chain.anchor_ids.sorted("number")[-1:]
            covered = [e.sequence for e in mine if anchor and e.sequence < anchor.size]
            proofs = (
                merkle.inclusion_proofs(chain._leaf_hashes(0, anchor.size), covered, anchor.size)
                if covered
                else {}
            )
            rows = {row.id: row for batch in chain._rows(ids=mine.ids) for row in batch}
            for event in mine:
                row = rows[event.id]
                extra = {}
                if event.sequence in proofs:
                    extra = {
                        "anchor": anchor.number,
                        "proof": [h.hex() for h in proofs[event.sequence]],
                    }
                lines.append(self._package_event_line(chain.key, row, **extra))
        evidence.write_package(
            target,
            kind="order",
            scope={"workorder": order.name, "workorder_id": order.id},
            chains=[chain._package_chain_line() for chain in chains],
            events=lines,
            anchors=chains._package_anchor_lines(),
            ca_pem=self._tsa_config()["ca_pem"],
            created=fields.Datetime.to_string(fields.Datetime.now()),
        )
