import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from odoo.exceptions import UserError
from odoo.tests import tagged

from ..lib import evidence, merkle
from .common import WorkorderCase
from .tsa_server import LocalTSA

# Runs the package's own evidence.py with Odoo out of reach.
STANDALONE = (
    "import sys, runpy; sys.modules['odoo'] = None; "
    "sys.argv = ['evidence', *sys.argv[1:]]; runpy.run_module('evidence', run_name='__main__')"
)


@tagged("post_install", "-at_install")
class TestEvidenceAnchors(WorkorderCase):
    """Chain heads anchored by a real RFC 3161 TSA (OpenSSL) on loopback."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tsa = LocalTSA("巴中测试时间戳服务").start()
        cls.addClassCleanup(cls.tsa.close)
        cls.other_tsa = LocalTSA("Another TSA").start()
        cls.addClassCleanup(cls.other_tsa.close)

    def setUp(self):
        super().setUp()
        self.Chain = self.env["emc.evidence.chain"]
        self.Event = self.env["emc.workorder.event"]
        self._configure(self.tsa)

    def _configure(self, tsa, ca=None):
        set_param = self.env["ir.config_parameter"].sudo().set_param
        set_param("emc_workorder.tsa_url", tsa.url)
        set_param("emc_workorder.tsa_ca_pem", (ca or tsa.ca_pem).decode())
        set_param("emc_workorder.tsa_timeout", "5")

    def _tamper(self, statement, params=()):
        self.env.flush_all()
        self.env.cr.execute("SET LOCAL session_replication_role = replica")
        self.env.cr.execute(statement, params)
        self.env.cr.execute("SET LOCAL session_replication_role = origin")
        self.env.invalidate_all()

    def _chain_with_events(self, count=3):
        orders = self.env["emc.workorder"]
        for i in range(count):
            orders |= self._order(description=f"第{i}号申请：新厂房接电报装")
        chain = self.Chain.search([("company_id", "=", self.bureau.id)])
        self.assertEqual(len(chain), 1)
        return chain, orders

    def _events(self, chain):
        return self.Event.search([("chain_id", "=", chain.id)], order="sequence")

    def test_anchor_certifies_the_head(self):
        chain, _orders = self._chain_with_events()
        anchor = chain._anchor()
        self.assertEqual(len(anchor), 1)
        events = self._events(chain)
        self.assertEqual((anchor.number, anchor.size), (1, len(events)))
        self.assertEqual(anchor.head_event_id, events[-1])
        self.assertEqual(anchor.head_hash, events[-1].hash)
        leaves = [evidence.leaf_of(e.hash) for e in events]
        self.assertEqual(anchor.root, merkle.root_from_leaf_hashes(leaves).hex())
        self.assertTrue(anchor.token and anchor.tsa_time and anchor.tsa_serial)
        self.assertFalse(chain._anchor(), "nothing new to anchor")
        result = chain._verify()
        self.assertTrue(result.ok, result)
        self.assertEqual(
            (result.anchored, result.anchor_number, result.unanchored), (len(events), 1, 0)
        )

        # The next anchor continues the tree from the stored frontier.
        self._order().action_submit()
        result = chain._verify()
        self.assertTrue(result.ok)
        self.assertGreater(result.unanchored, 0)
        message = chain.with_context(lang="zh_CN")._verdict(result)
        self.assertIn("尚未锚定", message)
        second = chain._anchor()
        events = self._events(chain)
        self.assertEqual((second.number, second.size), (2, len(events)))
        leaves = [evidence.leaf_of(e.hash) for e in events]
        self.assertEqual(second.root, merkle.root_from_leaf_hashes(leaves).hex())
        self.assertTrue(chain._verify().ok)

    def test_anchors_are_immutable(self):
        chain, _orders = self._chain_with_events(1)
        anchor = chain._anchor().with_context(lang="en_US")
        with self.assertRaisesRegex(UserError, "cannot be modified"):
            anchor.write({"size": 1})
        with self.assertRaisesRegex(UserError, "不能删除"):
            anchor.with_context(lang="zh_CN").unlink()
        self.env.flush_all()
        with self.assertRaisesRegex(Exception, "append-only"), self.env.cr.savepoint():
            self.env.cr.execute(
                "UPDATE emc_evidence_anchor SET size = size + 1 WHERE id = %s", (anchor.id,)
            )

    def test_closing_an_order_schedules_the_anchoring(self):
        cron = self.env.ref("emc_workorder.ir_cron_emc_evidence_anchor")
        triggers = self.env["ir.cron.trigger"].sudo()
        before = triggers.search_count([("cron_id", "=", cron.id)])
        order = self._order(description="配电房开关频繁跳闸故障，需要抢修")
        order.action_submit()
        self.assertEqual(order.state, "survey")
        self.env["emc.workorder.survey"].create(
            {
                "workorder_id": order.id,
                "latitude": 31.86,
                "longitude": 106.75,
                "findings": "开关老化",
            }
        ).action_submit()
        order.action_start_acceptance()
        order.check_ids.write({"done": True})
        order.action_accept()
        self.assertEqual(order.state, "closed")
        self.assertEqual(triggers.search_count([("cron_id", "=", cron.id)]), before + 1)

    def test_tail_deletion_is_detected(self):
        chain, _orders = self._chain_with_events()
        anchor = chain._anchor()
        last_two = self._events(chain)[-2:]
        self._tamper("DELETE FROM emc_workorder_event WHERE id = ANY(%s)", (last_two.ids,))
        result = chain._verify()
        self.assertFalse(result.ok)
        self.assertEqual(result.reason, f"truncated:{anchor.number}")
        self.assertEqual(result.checked, anchor.size - 2)
        message = chain.with_context(lang="zh_CN")._verdict(result)
        self.assertIn("删除", message)
        self.assertNotIn("truncated", message)

    def test_rewritten_chain_is_detected(self):
        chain, _orders = self._chain_with_events()
        anchor = chain._anchor()
        events = self._events(chain)
        # Rebuild every link from the genesis after changing one note: the
        # chain is consistent again, the anchor is not.
        prev = evidence.GENESIS
        for event in events:
            columns = {c: event[c] for c in evidence.PAYLOAD_COLUMNS}
            columns["workorder_id"] = event.workorder_id.id
            columns["company_id"] = event.company_id.id
            columns["user_id"] = event.user_id.id
            columns["date"] = str(event.date)
            if event.sequence == 1:
                columns["note"] = "伪造的说明"
            payload, payload_hash, row_hash = evidence.make_link(
                prev, evidence.build_payload(columns, workorder=event.workorder_id.name)
            )
            self._tamper(
                """UPDATE emc_workorder_event SET note = %s, payload = %s, payload_hash = %s,
                          prev_hash = %s, hash = %s WHERE id = %s""",
                (columns["note"] or None, payload, payload_hash, prev, row_hash, event.id),
            )
            prev = row_hash
        result = chain._verify()
        self.assertEqual(result.reason, f"anchor_mismatch:{anchor.number}")
        self.assertEqual(result.broken_id, events[-1].id)

    def test_token_of_another_authority_is_refused(self):
        chain, _orders = self._chain_with_events(1)
        # The TSA answers, but its token does not chain to the trusted CA.
        self._configure(self.other_tsa, ca=self.tsa.ca_pem)
        self.assertFalse(chain.with_context(lang="en_US")._anchor())
        self.assertIn("not signed by the configured CA certificate", chain.anchor_error)
        self.assertFalse(chain.anchor_ids)
        # Anchored by the other authority, then its CA is no longer trusted.
        self._configure(self.other_tsa)
        anchor = chain._anchor()
        self.assertTrue(anchor)
        self.assertFalse(chain.anchor_error)
        self._configure(self.tsa)
        result = chain._verify()
        self.assertEqual(result.reason, f"anchor_token:{anchor.number}")

    def test_tsa_down_loses_nothing_and_is_retried(self):
        chain, orders = self._chain_with_events(2)
        self.tsa.stop()
        try:
            self.assertFalse(chain.with_context(lang="zh_CN")._anchor())
            self.assertIn("无法连接时间戳服务机构", chain.anchor_error)
            self.assertIn("下次运行时将重试", chain.anchor_error)
            # The service desk goes on meanwhile.
            orders[0].action_submit()
            self.assertTrue(chain._verify().ok)
        finally:
            self.tsa.start()
        self.Chain._cron_anchor()
        self.assertEqual(len(chain.anchor_ids), 1)
        self.assertFalse(chain.anchor_error)
        self.assertEqual(chain.anchor_ids.size, chain.event_count)

    def _unpack(self, data, folder):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.extractall(folder)

    def _standalone(self, folder):
        run = subprocess.run(
            [sys.executable, "-c", STANDALONE, "verify", ".", "--json"],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        self.assertIn(run.returncode, (0, 1), run.stderr)
        return run.returncode, json.loads(run.stdout)

    def test_chain_package_verifies_without_odoo(self):
        chain, orders = self._chain_with_events()
        chain._anchor()
        orders[0].action_submit()
        chain._anchor()
        orders[1].action_submit()
        for tampered in (False, True):
            with self.subTest(tampered=tampered), tempfile.TemporaryDirectory() as tmp:
                if tampered:
                    victim = self._events(chain)[3]
                    self._tamper(
                        "UPDATE emc_workorder_event SET new_value = '改' WHERE id = %s",
                        (victim.id,),
                    )
                buffer = io.BytesIO()
                chain._write_package(buffer)
                self._unpack(buffer.getvalue(), tmp)
                code, verdicts = self._standalone(tmp)
                server = chain._verify()
                self.assertEqual(verdicts, {chain.key: server.as_dict()})
                self.assertEqual(code, 1 if tampered else 0)
                if tampered:
                    self.assertEqual(
                        (server.broken_id, server.reason), (victim.id, "column_mismatch:new_value")
                    )
                else:
                    self.assertEqual(server.anchor_number, 2)

    def test_order_package_holds_only_its_own_events(self):
        chain, orders = self._chain_with_events(4)
        mine = orders[2]
        mine.action_submit()
        chain._anchor()
        buffer = io.BytesIO()
        self.Chain._write_order_package(mine, buffer)
        with tempfile.TemporaryDirectory() as tmp:
            self._unpack(buffer.getvalue(), tmp)
            lines = [
                json.loads(line) for line in Path(tmp, "events.jsonl").read_text().splitlines()
            ]
            self.assertEqual({line["id"] for line in lines}, set(mine.event_ids.ids))
            self.assertEqual({line["columns"]["workorder_id"] for line in lines}, {mine.id})
            self.assertTrue(all(line.get("proof") is not None for line in lines))
            code, verdicts = self._standalone(tmp)
            self.assertEqual(code, 0, verdicts)
            verdict = verdicts[chain.key]
            self.assertEqual((verdict["checked"], verdict["anchored"]), (len(lines), len(lines)))
            # An altered proof hash or event is refused.
            events = Path(tmp, "events.jsonl")
            line = lines[0]
            line["proof"][0] = "00" * 32
            events.write_text(
                "\n".join(json.dumps(x, ensure_ascii=False) for x in [line, *lines[1:]]) + "\n"
            )
            code, verdicts = self._standalone(tmp)
            self.assertEqual(code, 1)
            self.assertEqual(verdicts[chain.key]["reason"], "inclusion:1")
        self.assertLess(len(buffer.getvalue()), 200_000)

    def test_package_of_an_order_before_any_anchor(self):
        self._configure(self.tsa)
        self.env["ir.config_parameter"].sudo().set_param("emc_workorder.tsa_url", "")
        chain, orders = self._chain_with_events(1)
        buffer = io.BytesIO()
        self.Chain._write_order_package(orders, buffer)
        with tempfile.TemporaryDirectory() as tmp:
            self._unpack(buffer.getvalue(), tmp)
            code, verdicts = self._standalone(tmp)
        self.assertEqual(code, 0)
        self.assertEqual(verdicts[chain.key]["unanchored"], len(orders.event_ids))
        self.assertIsNone(verdicts[chain.key]["anchor_number"])
