import base64

from odoo.tests import new_test_user

from .common import ContractCase

# A 1×1 PNG, as the signature widget sends it (base64, no data: prefix).
PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


class LifecycleCase(ContractCase):
    """Contracts with their reviewers (a project manager, an EMC administrator) and clients."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, lang="en_US"))
        cls.env["res.lang"]._activate_lang("en_US")
        cls.Contract = cls.env["emc.contract"]
        # PDFs rendered for real (workorder test) must not call a test server back.
        cls.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:9")
        cls.manager = new_test_user(
            cls.env,
            login="emc_ct_pm",
            groups="base.group_user,emc_project.group_emc_manager",
            name="项目经理 张",
        )
        cls.employee = new_test_user(
            cls.env, login="emc_ct_user", groups="base.group_user,emc_project.group_emc_user"
        )
        cls.admin = new_test_user(
            cls.env,
            login="emc_ct_admin",
            groups="base.group_user,emc_project.group_emc_admin",
            name="管理员 李",
        )
        cls.client_contact = cls.env["res.partner"].create(
            {"name": "客户代表 王", "parent_id": cls.client.id, "email": "wang@example.com"}
        )
        cls.client_user = new_test_user(
            cls.env,
            login="emc_ct_client",
            groups="base.group_portal",
            partner_id=cls.client_contact.id,
            # The portal answers in the user's language: English in the tests
            # (whatever the database's language).
            lang="en_US",
        )
        cls.other_client = cls.env["res.partner"].create(
            {"name": "巴中另一家公司", "is_company": True}
        )
        cls.other_contact = cls.env["res.partner"].create(
            {"name": "赵经理", "parent_id": cls.other_client.id, "email": "zhao@example.com"}
        )
        cls.other_user = new_test_user(
            cls.env,
            login="emc_ct_other",
            groups="base.group_portal",
            partner_id=cls.other_contact.id,
        )

    # ------------------------------------------------------------------
    def review(self, record, user, action="validate", comment="同意"):
        """Approve or reject the reviews of ``user`` on ``record``, with a comment."""
        method = "validate_tier" if action == "validate" else "reject_tier"
        result = getattr(record.with_user(user), method)()
        if isinstance(result, dict) and result.get("res_model") == "comment.wizard":
            # The record's context (e.g. force_report_rendering) goes on.
            wizard = (
                record.env["comment.wizard"]
                .with_user(user)
                .with_context(**result["context"])
                .create({"comment": comment})
            )
            wizard.add_comment()
        record.invalidate_recordset()
        return record

    def approve(self, contract):
        contract.with_user(self.manager).action_submit()
        self.review(contract, self.manager)
        self.review(contract, self.admin)
        return contract

    def sign_both(self, contract):
        contract.with_user(self.manager)._sign_esco(PNG_1PX, "项目经理 张", "10.0.0.1", "Test/1.0")
        contract.with_user(self.client_user).sudo()._sign_client(
            PNG_1PX, "客户代表 王", "10.0.0.2", "Test/2.0"
        )
        return contract

    def active_contract(self, contract_type="shared_savings", **values):
        contract = self.make_contract(contract_type, **values)
        self.approve(contract)
        self.sign_both(contract)
        self.assertEqual(contract.state, "active")
        return contract

    @staticmethod
    def raw_of(document):
        return base64.b64decode(document.sudo().dms_file_id.with_context(bin_size=False).content)
