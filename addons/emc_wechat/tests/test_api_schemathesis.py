"""schemathesis against the served OpenAPI documents: no input makes the server fail.

Every operation of both apps gets a few generated requests, valid and
invalid ones, sent through Odoo's HTTP stack as a signed-in customer or
with an integrator key. Anything but a 5xx is acceptable here (the other
tests check the answers themselves). Kept small: a handful of examples per
operation and mode.
"""

import unittest

from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import INTEGRATOR, MP, ApiCase

try:
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis import GenerationMode
except ImportError:  # schemathesis is in requirements.txt; without it the test says so
    schemathesis = None

MAX_EXAMPLES = 4


@tagged("post_install", "-at_install")
@unittest.skipIf(schemathesis is None, "schemathesis is not installed (requirements.txt)")
class TestApiSchemathesis(ApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        user = new_test_user(
            cls.env,
            login="emc_api_fuzz_integrator",
            groups="emc_workorder.group_wo_dept_admin,emc_project.group_emc_manager",
            company_id=cls.bureau.id,
            company_ids=[Command.set(cls.bureau.ids)],
        )
        key = cls.env["emc.wechat.api.key"].create(
            {"name": "fuzz", "company_id": cls.bureau.id, "user_id": user.id}
        )
        cls.key_secret = key._generate()

    def _fuzz(self, root, headers_for):
        document = self.call("GET", f"{root}/openapi.json").json()
        schema = schemathesis.openapi.from_dict(document)
        failures = []
        operations = [result.ok() for result in schema.get_all_operations()]
        self.assertGreater(len(operations), 5)
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                self._run(operation, mode, root, headers_for, failures)
        self.assertFalse(failures, failures[:3])

    def _run(self, operation, mode, root, headers_for, failures):
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(mode))
        def check(case):
            response = case.call(
                base_url=self.base_url() + root,
                session=self.opener,
                headers=headers_for(),
                timeout=60,
            )
            if response.status_code >= 500:
                failures.append(
                    (
                        operation.label,
                        mode.value,
                        response.status_code,
                        repr(case.body)[:200],
                        case.media_type,
                        case.headers,
                    )
                )

        check()

    def test_customer_app(self):
        # A fresh token for each request: /auth/logout revokes the one it is sent with.
        self._fuzz(MP, lambda: {"Authorization": f"Bearer {self.token(self.user_a)}"})

    def test_integrator_app(self):
        self._fuzz(INTEGRATOR, lambda: {"X-API-Key": self.key_secret})
