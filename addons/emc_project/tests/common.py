import re

from odoo.tests import TransactionCase, new_test_user


class EmcProjectCase(TransactionCase):
    """A client with one site, a few technologies and users of every role."""

    def _stage_error(self, project, action, *allowed):
        """The exact error (a regex) of a move refused at the project's stage."""
        labels = dict(project._fields["state"]._description_selection(project.env))
        stages = " or ".join(f"“{labels[s]}”" for s in allowed)
        return re.escape(
            f"Project {project.display_name} is at stage “{labels[project.state]}”: "
            f"“{action}” is only possible at {stages}."
        )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # English messages whatever the database's language.
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, lang="en_US"))
        cls.env["res.lang"]._activate_lang("en_US")
        cls.company = cls.env.company
        cls.company.write({"emc_tce_factor": 0.1229, "emc_grid_emission_factor": 0.5366})
        cls.industry = cls.env.ref("base.res_partner_industry_C")
        cls.client = cls.env["res.partner"].create(
            {
                "name": "巴中测试水泥有限公司",
                "is_company": True,
                "industry_id": cls.industry.id,
                "emc_credit_rating": "AA",
            }
        )
        group = "base.group_user,emc_project.group_emc_manager"
        cls.pm = new_test_user(cls.env, login="emc_pm_t", groups=group)
        cls.engineer = new_test_user(
            cls.env, login="emc_eng_t", groups="base.group_user,emc_project.group_emc_engineer"
        )
        cls.reviewer = new_test_user(
            cls.env, login="emc_admin_t", groups="base.group_user,emc_project.group_emc_admin"
        )
        cls.site = cls.env["emc.site"].create(
            {
                "name": "一号厂区",
                "partner_id": cls.client.id,
                "latitude": 31.8676,
                "longitude": 106.7475,
                "energy_ids": [
                    (
                        0,
                        0,
                        {
                            "carrier": "electricity",
                            "annual_quantity": 2_000_000,
                            "annual_cost": 1_300_000,
                        },
                    ),
                ],
                "equipment_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "循环水泵",
                            "equipment_type": "pump_fan",
                            "quantity": 2,
                            "rated_power_kw": 110,
                            "annual_hours": 6000,
                            "load_factor": 0.8,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "name": "车间照明",
                            "equipment_type": "lighting",
                            "quantity": 400,
                            "rated_power_kw": 0.25,
                            "annual_hours": 5000,
                            "load_factor": 1.0,
                        },
                    ),
                ],
            }
        )
        cls.project = cls.env["emc.project"].create(
            {
                "name": "测试节能改造项目",
                "partner_id": cls.client.id,
                "site_ids": [(6, 0, cls.site.ids)],
                "user_id": cls.pm.id,
                "engineer_id": cls.engineer.id,
                "contract_type": "shared_savings",
                "sharing_ratio": 70.0,
                "term_years": 5,
                "discount_rate": 8.0,
            }
        )
        cls.tech_vfd = cls._make_technology("T-VFD", "pump_fan", 20, 40, "kw", 600, 10, 2.0)
        cls.tech_led = cls._make_technology("T-LED", "lighting", 50, 70, "unit", 150, 8, 1.0)

    @classmethod
    def _make_technology(cls, code, equipment, low, high, basis, cost, life, om):
        return cls.env["emc.technology"].create(
            {
                "name": code,
                "code": code,
                "category": "lighting" if equipment == "lighting" else "motor_vfd",
                "equipment_type": equipment,
                "saving_rate_min": low,
                "saving_rate_max": high,
                "cost_basis": basis,
                "unit_cost": cost,
                "lifetime_years": life,
                "om_cost_rate": om,
                "source": "test",
                "company_id": cls.company.id,
            }
        )

    @classmethod
    def _make_scheme(cls, project, capex=1_000_000, saving=300_000, om=20_000, kwh=460_000):
        return cls.env["emc.scheme"].create(
            {
                "name": "方案",
                "project_id": project.id,
                "discount_rate": 8.0,
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "technology_id": cls.tech_vfd.id,
                            "capex": capex,
                            "saving_amount": saving,
                            "om_cost": om,
                            "saving_kwh": kwh,
                        },
                    )
                ],
            }
        )
