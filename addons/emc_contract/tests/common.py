from datetime import date

from odoo.addons.emc_metering.tests.mv_common import MVCase


class ContractCase(MVCase):
    """The M&V dataset's site with an approved baseline, and contracts of every type on it.

    The baseline covers 2023-2024; the reporting data runs from 2025-01-01 to
    2025-06-30 with 15 % savings, so a contract from 2025-01-01 has verified
    savings for its first six months.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.approved_baseline = cls.baseline()
        cls.approved_baseline.action_fit()
        cls.approved_baseline.action_approve()
        cls.Contract = cls.env["emc.contract"]

    @classmethod
    def contract_values(cls, contract_type="shared_savings", **values):
        """Complete terms of a contract of ``contract_type`` from 2025-01-01, five years."""
        vals = {
            "title": "一号厂区空调与照明节能改造合同",
            "contract_type": contract_type,
            "partner_id": cls.client.id,
            "project_id": cls.project.id,
            "site_ids": [(6, 0, cls.site.ids)],
            "meter_ids": [(6, 0, cls.meter.ids)],
            "date_start": date(2025, 1, 1),
            "date_end": date(2029, 12, 31),
            "settlement_period": "month",
        }
        if contract_type in ("shared_savings", "guaranteed_savings", "hybrid"):
            vals.update(
                baseline_ids=[(6, 0, cls.approved_baseline.ids)],
                mv_option="C",
                price_ids=[(0, 0, {"carrier": "electricity", "pricing": "fixed", "price": 0.65})],
            )
        if contract_type in ("shared_savings", "hybrid"):
            vals["tier_ids"] = [
                (0, 0, {"year_from": 1, "year_to": 2, "esco_share": 0.9}),
                (0, 0, {"year_from": 3, "year_to": 5, "esco_share": 0.7}),
            ]
        if contract_type in ("guaranteed_savings", "hybrid"):
            vals.update(
                guarantee_per="year",
                guarantee_line_ids=[(0, 0, {"carrier": "electricity", "kwh": 60_000.0})],
            )
        if contract_type == "energy_trusteeship":
            vals.update(
                price_ids=[(0, 0, {"carrier": "electricity", "pricing": "fixed", "price": 0.65})],
                trusteeship_fee_mode="fixed",
                trusteeship_fee=20_000.0,
                trusteeship_has_cap=True,
                trusteeship_cap=25_000.0,
                tier_ids=[(0, 0, {"year_from": 1, "year_to": 0, "esco_share": 0.5})],
            )
        if contract_type == "financing_lease":
            vals.update(
                lease_principal=600_000.0,
                lease_annual_rate=0.0435,
                lease_instalments=60,
                lease_frequency="12",
                lease_method="annuity",
            )
        vals.update(values)
        return vals

    @classmethod
    def make_contract(cls, contract_type="shared_savings", **values):
        return cls.Contract.create(cls.contract_values(contract_type, **values))
