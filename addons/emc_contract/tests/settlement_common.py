from contextlib import contextmanager
from datetime import date
from types import SimpleNamespace
from unittest.mock import patch

from .common import ContractCase


def report(savings_kwh, non_routine_kwh=0.0, adjusted_baseline_kwh=None, reporting_kwh=0.0):
    """A stand-in for mv.SavingsReport with round figures (the fields settlement reads)."""
    return SimpleNamespace(
        savings_kwh=savings_kwh,
        non_routine_kwh=non_routine_kwh,
        adjusted_baseline_kwh=(
            adjusted_baseline_kwh if adjusted_baseline_kwh is not None else savings_kwh
        ),
        reporting_kwh=reporting_kwh,
    )


class SettlementCase(ContractCase):
    """ContractCase with an ESCO company on the Chinese chart (l10n_cn) holding the contracts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.esco = cls.env["res.company"].create(
            {
                "name": "巴中绿源节能科技有限公司（测试）",
                "country_id": cls.env.ref("base.cn").id,
                "currency_id": cls.env.ref("base.CNY").id,
            }
        )
        cls.env.user.company_ids |= cls.esco
        cls.env["account.chart.template"].try_loading("cn", cls.esco, install_demo=False)
        cls.esco.partner_id.tz = "Asia/Shanghai"
        cls.client.vat = "91511900MA62000001"
        cls.Settlement = cls.env["emc.settlement"]
        cls.Baseline = type(cls.approved_baseline)

    @classmethod
    def make_contract(cls, contract_type="shared_savings", **values):
        values.setdefault("company_id", cls.esco.id)
        contract = super().make_contract(contract_type, **values)
        contract._set_stage("active")
        return contract

    @classmethod
    @contextmanager
    def savings_patch(cls, *reports):
        """Every baseline's savings report returns the next of ``reports`` (the last repeats)."""
        queue = list(reports)
        calls = []

        def fake(baseline, start, end, min_days=28):
            calls.append((start, end, min_days))
            return queue.pop(0) if len(queue) > 1 else queue[0]

        with patch.object(cls.Baseline, "_savings_report", fake):
            yield calls

    def savings(self, *reports):
        return self.savings_patch(*reports)

    @staticmethod
    def settle(contract, date_from, date_to):
        return contract._settle_period(date_from, date_to)

    @staticmethod
    def jan(year=2025):
        return date(year, 1, 1), date(year, 1, 31)
