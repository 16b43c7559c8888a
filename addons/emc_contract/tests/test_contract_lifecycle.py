from datetime import date
from unittest.mock import patch

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .lifecycle_common import PNG_1PX, LifecycleCase


@tagged("post_install", "-at_install")
class TestContractLifecycle(LifecycleCase):
    # ------------------------------------------------------------------
    # Approval gates
    # ------------------------------------------------------------------
    def test_cannot_submit_with_missing_terms(self):
        contract = self.make_contract("shared_savings", price_ids=[], tier_ids=[])
        with self.assertRaisesRegex(UserError, "the energy prices and the sharing tiers"):
            contract.with_user(self.manager).action_submit()
        self.assertEqual(contract.state, "draft")
        self.assertFalse(contract.review_ids)

    def test_tier_approval_needed_before_signing(self):
        contract = self.make_contract()
        contract.with_user(self.manager).action_submit()
        self.assertEqual(contract.state, "approval")
        self.assertEqual(len(contract.review_ids), 2)
        self.assertEqual(contract.validation_status, "pending")
        # Nobody jumps to signing while the reviews are open.
        with self.assertRaises(ValidationError):
            contract._set_stage("signing")
        with self.assertRaisesRegex(UserError, "is at stage “In approval”"):
            contract.with_user(self.manager)._sign_esco(PNG_1PX, "张")
        # A plain EMC user reviews nothing; the administrators' tier comes second.
        self.assertFalse(contract.with_user(self.employee).can_review)
        self.assertTrue(contract.with_user(self.manager).can_review)
        self.review(contract, self.manager)
        self.assertEqual(contract.state, "approval")
        self.assertFalse(contract.with_user(self.manager).can_review)
        self.assertTrue(contract.with_user(self.admin).can_review)
        self.review(contract, self.admin)
        self.assertEqual(contract.state, "signing")
        self.assertEqual(contract.validation_status, "validated")
        # The document to sign is generated once, hashed and archived.
        document = contract.document_id
        self.assertEqual(document.kind, "contract")
        self.assertEqual(len(document.sha256), 64)
        self.assertEqual(document.sha256, document._sha256(document.attachment_id.raw))
        self.assertEqual(document.sha256, document._sha256(self.raw_of(document)))
        self.assertEqual(document.dms_file_id.directory_id, contract.dms_directory_id)

    def test_rejection_back_to_draft_with_reason(self):
        contract = self.make_contract()
        contract.with_user(self.manager).action_submit()
        self.review(contract, self.manager, "reject", "分享比例需重新谈判")
        self.assertEqual(contract.state, "draft")
        self.assertEqual(contract.rejection_reason, "分享比例需重新谈判")
        self.assertTrue(
            contract.activity_ids.filtered(lambda a: a.user_id == contract.user_id),
            "the responsible is asked to revise the contract",
        )
        # Resubmitted: a new round of reviews, the old reason cleared.
        contract.with_user(self.manager).action_submit()
        self.assertEqual(contract.state, "approval")
        self.assertFalse(contract.rejection_reason)
        self.assertEqual(set(contract.review_ids.mapped("status")), {"pending", "waiting"})

    def test_cancel_only_before_force(self):
        contract = self.make_contract()
        contract.with_user(self.manager).action_submit()
        contract.with_user(self.manager).action_cancel()
        self.assertEqual(contract.state, "cancelled")
        self.assertFalse(contract.review_ids)
        active = self.active_contract()
        with self.assertRaisesRegex(UserError, "“Cancel” is only possible"):
            active.action_cancel()

    # ------------------------------------------------------------------
    # Signatures and their evidence
    # ------------------------------------------------------------------
    def test_signatures_hash_and_verification(self):
        contract = self.make_contract()
        self.approve(contract)
        wizard = Form(
            self.env["emc.contract.sign.wizard"]
            .with_user(self.manager)
            .with_context(default_contract_id=contract.id)
        )
        wizard.signature = PNG_1PX
        wizard.save().action_sign()
        self.assertEqual(contract.state, "signing")
        self.assertTrue(contract.esco_signed)
        with self.assertRaisesRegex(UserError, "already signed by the ESCO"):
            contract.with_user(self.manager)._sign_esco(PNG_1PX, "张")
        # Someone of another enterprise cannot sign for the client.
        with self.assertRaisesRegex(UserError, "Only the users of"):
            contract.with_user(self.other_user).sudo()._sign_client(PNG_1PX, "赵经理")
        contract.with_user(self.client_user).sudo()._sign_client(
            PNG_1PX, "客户代表 王", "192.0.2.7", "Mozilla/5.0"
        )
        self.assertEqual(contract.state, "active")
        self.assertTrue(contract.date_signed)
        client_sig = contract.signature_ids.filtered(lambda s: s.role == "client")
        self.assertEqual(client_sig.partner_id, self.client_contact)
        self.assertEqual(client_sig.ip_address, "192.0.2.7")
        self.assertEqual(client_sig.user_agent, "Mozilla/5.0")
        self.assertTrue(client_sig.signature)
        for signature in contract.signature_ids:
            self.assertEqual(signature.document_id, contract.document_id)
            self.assertEqual(signature.document_sha256, contract.document_id.sha256)
        self.assertEqual(contract.signed_document_id.kind, "signed")

        # Verification: intact, then altered in the archive.
        result = contract.document_id.action_verify()
        self.assertEqual(result["params"]["type"], "success")
        self.assertEqual(contract.document_id.verified, "ok")
        contract.document_id.dms_file_id.sudo().content = "dGFtcGVyZWQ="  # "tampered"
        result = client_sig.action_verify()
        self.assertEqual(result["params"]["type"], "danger")
        self.assertIn("was ALTERED after it was filed", result["params"]["message"])
        self.assertEqual(contract.document_id.verified, "altered")
        status, message = contract.document_id._verify()
        self.assertEqual(status, "altered")
        self.assertIn(contract.document_id.sha256, message)

    def test_altered_document_cannot_be_signed(self):
        contract = self.make_contract()
        self.approve(contract)
        contract.document_id.dms_file_id.sudo().content = "dGFtcGVyZWQ="
        with self.assertRaisesRegex(UserError, "ALTERED"):
            contract.with_user(self.manager)._sign_esco(PNG_1PX, "张")
        self.assertFalse(contract.signature_ids)

    def test_uploaded_signed_copy_is_hashed_and_archived(self):
        contract = self.active_contract()
        raw = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
        document = contract.with_user(self.manager)._upload_document("盖章版.pdf", raw)
        self.assertEqual(document.kind, "signed_copy")
        self.assertEqual(document.sha256, document._sha256(raw))
        self.assertEqual(self.raw_of(document), raw)
        with self.assertRaisesRegex(UserError, "documents"):
            contract.with_user(self.manager)._upload_document("evil.pdf", b"MZ\x90\x00binary")

    def test_archive_visible_to_parties_only(self):
        contract = self.active_contract()
        self.env.flush_all()
        files = contract.document_ids.dms_file_id
        DmsFile = self.env["dms.file"]
        self.assertEqual(
            DmsFile.with_user(self.client_user).search([("id", "in", files.ids)]), files
        )
        self.assertFalse(DmsFile.with_user(self.other_user).search([("id", "in", files.ids)]))
        self.assertEqual(DmsFile.with_user(self.manager).search([("id", "in", files.ids)]), files)
        # The evidence records follow the contract's portal rule.
        for model, records in (
            ("emc.contract.document", contract.document_ids),
            ("emc.contract.signature", contract.signature_ids),
            ("emc.contract.clause", contract.clause_ids),
        ):
            Model = self.env[model]
            domain = [("id", "in", records.ids)]
            self.assertEqual(Model.with_user(self.client_user).search(domain), records, model)
            self.assertFalse(Model.with_user(self.other_user).search(domain), model)

    # ------------------------------------------------------------------
    # Amendments
    # ------------------------------------------------------------------
    def test_amendment_versions_diff_and_own_approval(self):
        contract = self.active_contract()
        action = contract.with_user(self.manager).action_amend()
        amendment = self.env["emc.contract.amendment"].browse(action["res_id"])
        self.assertEqual(contract.state, "amending")
        self.assertEqual(amendment.version, 2)
        terms = amendment.terms_id
        self.assertFalse(terms.active)
        self.assertEqual(terms.amendment_terms_of_id, amendment)
        with self.assertRaisesRegex(UserError, "changes nothing"):
            amendment.write({"reason": "无变化"})
            amendment.with_user(self.manager).action_submit()
        # The amended terms: first tier 90 % → 85 %, a year shorter.
        terms.tier_ids.filtered(lambda t: t.year_from == 1).esco_share = 0.85
        terms.date_end = date(2028, 12, 31)
        amendment.reason = "双方协商调整分享比例与期限"
        amendment.with_user(self.manager).action_submit()
        self.assertEqual(amendment.state, "approval")
        self.assertEqual(contract.version, 1, "nothing applied before the approval")
        self.assertEqual(contract.tier_ids.filtered(lambda t: t.year_from == 1).esco_share, 0.9)
        self.review(amendment, self.admin)
        self.assertEqual(amendment.state, "applied")
        self.assertEqual(contract.state, "active")
        self.assertEqual(contract.version, 2)
        self.assertEqual(contract.tier_ids.filtered(lambda t: t.year_from == 1).esco_share, 0.85)
        self.assertEqual(contract.date_end, date(2028, 12, 31))
        self.assertFalse(terms.exists(), "the working copy is dropped once applied")
        changes = {c["field"]: c for c in amendment.diff}
        self.assertEqual(set(changes), {"date_end", "tier_1_share"})
        self.assertEqual(changes["tier_1_share"]["old"], 0.9)
        self.assertEqual(changes["tier_1_share"]["new"], 0.85)
        self.assertEqual(changes["date_end"]["new"], "2028-12-31")
        self.assertIn("ESCO share from year 1", amendment.diff_html)
        self.assertEqual(amendment.document_id.kind, "amendment")
        self.assertIn(amendment.document_id, contract.document_ids)
        # A second amendment makes version 3; a rejected one goes back to draft.
        action = contract.with_user(self.manager).action_amend()
        second = self.env["emc.contract.amendment"].browse(action["res_id"])
        self.assertEqual(second.version, 3)
        second.terms_id.price_ids.price = 0.7
        second.reason = "电价调整"
        second.with_user(self.manager).action_submit()
        self.review(second, self.admin, "reject", "电价依据不足")
        self.assertEqual(second.state, "draft")
        self.assertEqual(second.rejection_reason, "电价依据不足")
        second.with_user(self.manager).action_withdraw()
        self.assertEqual(second.state, "cancelled")
        self.assertEqual(contract.state, "active")
        self.assertEqual(contract.version, 2)
        self.assertEqual(contract.price_ids.price, 0.65)

    def test_amendment_cannot_change_the_parties(self):
        contract = self.active_contract()
        action = contract.with_user(self.manager).action_amend()
        amendment = self.env["emc.contract.amendment"].browse(action["res_id"])
        amendment.terms_id.partner_id = self.other_client
        amendment.reason = "换客户"
        with self.assertRaisesRegex(UserError, "makes another contract"):
            amendment.with_user(self.manager).action_submit()

    # ------------------------------------------------------------------
    # End of the contract
    # ------------------------------------------------------------------
    def test_early_termination_calls_the_hook(self):
        contract = self.active_contract()
        Contract = type(self.env["emc.contract"])
        with self.assertRaisesRegex(UserError, "ends on"):
            contract._terminate(date(2031, 1, 1), "太晚")
        with patch.object(Contract, "_on_terminated", autospec=True, return_value=True) as hook:
            wizard = Form(
                self.env["emc.contract.terminate.wizard"]
                .with_user(self.manager)
                .with_context(default_contract_id=contract.id)
            )
            wizard.date_terminated = date(2025, 6, 15)
            wizard.reason = "客户厂区搬迁"
            wizard.save().action_confirm()
            hook.assert_called_once()
            (called_on,) = hook.call_args.args
            self.assertEqual(called_on, contract)
            # The hook sees the stage, the date and the reason already written.
            self.assertEqual(called_on.state, "terminated")
        self.assertEqual(contract.date_terminated, date(2025, 6, 15))
        self.assertEqual(contract.termination_reason, "客户厂区搬迁")
        self.assertEqual(contract._settlement_last_day(), date(2025, 6, 15))
        self.assertEqual(contract._settlement_contract().date_end, date(2025, 6, 16))

    def test_expiry_cron(self):
        ended = self.active_contract(date_end=date(2025, 12, 31))
        running = self.active_contract()
        with patch("odoo.fields.Date.context_today", return_value=date(2026, 1, 1)):
            self.env["emc.contract"]._cron_expire()
        self.assertEqual(ended.state, "expired")
        self.assertEqual(running.state, "active")

    def test_close_respects_blockers(self):
        contract = self.active_contract(date_end=date(2025, 12, 31))
        with self.assertRaisesRegex(UserError, "“Close” is only possible"):
            contract.action_close()
        contract._set_stage("expired")
        Contract = type(self.env["emc.contract"])
        with patch.object(
            Contract, "_closing_blockers", autospec=True, return_value=["发票 INV/0001 未付"]
        ):
            with self.assertRaisesRegex(UserError, "cannot be closed yet: 发票 INV/0001 未付"):
                contract.with_user(self.manager).action_close()
        self.assertEqual(contract.state, "expired")
        # Nothing owed any more (the settlement's own blockers, unsettled
        # periods and unpaid statements, are tested with the settlement).
        with patch.object(Contract, "_closing_blockers", autospec=True, return_value=[]):
            contract.with_user(self.manager).action_close()
        self.assertEqual(contract.state, "closed")
        self.assertTrue(contract.date_closed)

    # ------------------------------------------------------------------
    # Obligations
    # ------------------------------------------------------------------
    def test_obligation_reminders_are_activities(self):
        contract = self.make_contract()
        obligation = self.env["emc.contract.obligation"].create(
            {
                "contract_id": contract.id,
                "name": "提交季度节能量报告",
                "date_due": date(2025, 3, 31),
                "user_id": self.manager.id,
            }
        )
        self.assertFalse(obligation.activity_id, "no reminder before the contract is in force")
        self.approve(contract)
        self.sign_both(contract)
        activity = obligation.activity_id
        self.assertTrue(activity)
        self.assertEqual(activity.res_id, contract.id)
        self.assertEqual(activity.date_deadline, date(2025, 3, 31))
        self.assertEqual(activity.user_id, self.manager)
        obligation.date_due = date(2025, 4, 30)
        self.assertEqual(activity.date_deadline, date(2025, 4, 30))
        obligation.done = True
        self.assertFalse(activity.exists())
        self.assertTrue(obligation.date_done)
        # Reminders of open obligations end with the contract.
        other = self.env["emc.contract.obligation"].create(
            {
                "contract_id": contract.id,
                "name": "设备移交",
                "date_due": date(2029, 12, 31),
                "user_id": self.manager.id,
            }
        )
        reminder = other.activity_id
        self.assertTrue(reminder)
        contract._terminate(date(2025, 6, 30), "客户破产")
        self.assertFalse(reminder.exists())

    # ------------------------------------------------------------------
    # Forms and deletion
    # ------------------------------------------------------------------
    def test_forms_of_each_stage_and_deletion(self):
        contract = self.make_contract()
        with Form(contract.with_user(self.manager)) as form:
            form.title = "一号厂区空调节能改造合同（修订）"
        self.approve(contract)
        Form(contract.with_user(self.employee))  # the signing stage opens for a reader
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            contract.unlink()
        contract.with_user(self.manager).action_cancel()
        self.assertTrue(contract.document_ids)
        contract.unlink()
        self.assertFalse(contract.exists())
        active = self.active_contract()
        action = active.with_user(self.manager).action_amend()
        amendment = self.env["emc.contract.amendment"].browse(action["res_id"])
        with Form(amendment.with_user(self.manager)) as form:
            form.reason = "调整结算周期"
        with Form(amendment.terms_id.with_user(self.manager)) as form:
            form.settlement_period = "quarter"
        self.assertIn("Quarterly", amendment.diff_html)
        template = Form(self.env["emc.contract.clause.template"].with_user(self.manager))
        template.name = "保密"
        template.body = "双方对 {{ object.name }} 的内容保密。"
        self.assertTrue(template.save())
