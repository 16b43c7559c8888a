from werkzeug.urls import url_parse

from odoo.tests import TransactionCase, new_test_user
from odoo.tests.common import _super_send

from odoo.addons.queue_job.job import Job

from .fake_servers import FakeAlibabaSms, FakeWechat

APPID, SECRET = "wx0123456789abcdef", "app-secret-for-tests"
AK, AK_SECRET = "LTAI-test-key", "test-key-secret"


class NotifyFakesMixin:
    """The fake WeChat and SMS servers, the configuration pointing at them, templates."""

    @classmethod
    def _setup_fakes(cls):
        # The token refresh commits in a cursor of its own: in the tests that
        # cursor must be the test transaction's (as in HttpCase).
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.wechat = FakeWechat(APPID, SECRET).start()
        cls.addClassCleanup(cls.wechat.stop)
        cls.sms = FakeAlibabaSms(AK, AK_SECRET).start()
        cls.addClassCleanup(cls.sms.stop)
        icp = cls.env["ir.config_parameter"].sudo()
        for key, value in {
            "emc_wechat.appid": APPID,
            "emc_wechat.secret": SECRET,
            "emc_wechat.base_url": cls.wechat.url,
            "emc_wechat.sms_access_key": AK,
            "emc_wechat.sms_access_secret": AK_SECRET,
            "emc_wechat.sms_endpoint": cls.sms.url,
            # No quiet hours unless a test sets them.
            "emc_wechat.quiet_start": "00:00",
            "emc_wechat.quiet_end": "00:00",
            "emc_wechat.notify_max_attempts": "3",
            "emc_wechat.sms_quota": "20000",
            "emc_wechat.sms_price": "0.05",
            "emc_wechat.sms_package_start": "",
            "emc_wechat.sms_quota_warned": "",
        }.items():
            icp.set_param(key, value)
        cls.env["emc.wechat.token.cache"].sudo().search([]).unlink()
        cls.env["emc.wechat.template"].sudo().search([]).unlink()
        cls.env["emc.sms.template"].sudo().search([]).unlink()
        events = ["scheme_ready", "acceptance", "contract_to_sign", "survey_scheduled"]
        cls.env["emc.wechat.template"].create(
            [
                {
                    "event": event,
                    "template_id": f"TPL-{event}",
                    "page": "pages/order/detail?id={res_id}",
                    "field_mapping": '{"character_string1": "record", "thing2": "subject", '
                    '"time3": "date"}',
                }
                for event in events
            ]
        )
        cls.env["emc.sms.template"].create(
            [
                {
                    "event": event,
                    "template_code": f"SMS_{i}",
                    "sign_name": "巴中供电",
                    "param_mapping": '{"name": "record"}',
                    "content": "您的${name}有新进展，请在小程序中查看。",
                }
                for i, event in enumerate(events)
            ]
        )

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        # Odoo's test guard compares the timeout with a number; the Alibaba SDK
        # gives a (connect, read) tuple. The fakes are on loopback: let them through.
        if url_parse(r.url).host == "127.0.0.1":
            return _super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)

    def setUp(self):
        super().setUp()
        self.wechat.reset()
        self.sms.reset()

    # The installed queue_job's test helpers (trap_jobs) import a name this
    # Odoo 18 source lacks: the jobs are stored as in production and performed
    # here, synchronously, as the job runner would.
    def _jobs(self):
        """The notification jobs waiting to run, oldest first."""
        return self.env["queue.job"].search(
            [("model_name", "=", "emc.notification"), ("state", "=", "pending")], order="id"
        )

    def _job(self, delivery):
        return self.env["queue.job"].search([("uuid", "=", delivery.job_uuid)])

    def _run_jobs(self, rounds=None):
        """Perform the pending jobs, and the ones they enqueue, until none is left
        (or ``rounds`` times)."""
        for _round in range(rounds or 20):
            pending = self._jobs()
            if not pending:
                return
            for record in pending:
                job = Job.load(self.env, record.uuid)
                job.set_started()
                job.store()
                job.perform()
                job.set_done()
                job.store()
        if not rounds:
            self.fail("notification jobs keep enqueuing each other")


class NotifyCase(NotifyFakesMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, lang="en_US"))
        cls._setup_fakes()
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create(
            {
                "name": "巴中测试企业联系人",
                "mobile": "13881680001",
                "email": "contact@example.cn",
                "emc_notify_channel": "wechat",
                "emc_wechat_subscribed": True,
            }
        )
        cls.customer.sudo().wechat_openid = "oOPENID-customer"
        cls.sms_only = Partner.create(
            {"name": "短信用户", "mobile": "+86 138 8168 0002", "email": "sms@example.cn"}
        )
        cls.record = Partner.create({"name": "巴中市恩阳区某工厂", "is_company": True})
        # Warnings go out in each administrator's language: English here.
        cls.admin = new_test_user(
            cls.env,
            login="emc_notify_admin",
            groups="emc_project.group_emc_admin,base.group_user",
            lang="en_US",
        )

    def _notify(self, event="scheme_ready", partner=None, **kwargs):
        return self.env["emc.notification"]._notify(
            event, self.record, partner or self.customer, {"subject": "方案已就绪"}, **kwargs
        )
