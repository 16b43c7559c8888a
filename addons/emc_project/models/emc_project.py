from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from ..lib import feasibility
from .emc_stage_mixin import stage_field

STAGES = [
    ("initiation", "Initiation"),
    ("research", "Market research"),
    ("feasibility", "Feasibility"),
    ("approval", "Approval"),
    ("design", "Design"),
    ("contract", "Contract"),
    ("implementation", "Implementation"),
    ("acceptance", "Acceptance"),
    ("operation", "Operation & maintenance"),
    ("closed", "Closed"),
]
STAGE_ORDER = [key for key, _label in STAGES]

_lt = LazyTranslate(__name__)

CONTRACT_TYPES = [
    ("shared_savings", "Shared savings"),
    ("guaranteed_savings", "Guaranteed savings"),
    ("energy_trusteeship", "Energy cost trusteeship"),
    ("financing_lease", "Financing lease"),
    ("hybrid", "Hybrid"),
]


class EmcProject(models.Model):
    _name = "emc.project"
    _description = "EMC project"
    _inherit = [
        "portal.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "tier.validation",
        "emc.stage.mixin",
    ]
    _order = "id desc"
    _rec_names_search = ["name", "code"]

    # base_tier_validation: the approval gate sits between these two stages.
    _state_field = "state"
    _state_from = ["approval"]
    _state_to = ["design"]
    _cancel_state = "closed"
    _tier_validation_manual_config = False
    _tier_validation_buttons_xpath = "/form/header/field[@name='state']"
    _stage_record_label = _lt("Project")

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(string="Reference", readonly=True, copy=False, default="/", index=True)
    active = fields.Boolean(default=True)
    state = stage_field(STAGES, "initiation")
    partner_id = fields.Many2one(
        "res.partner",
        string="Client enterprise",
        required=True,
        tracking=True,
        index=True,
    )
    industry_id = fields.Many2one(
        related="partner_id.commercial_partner_id.industry_id", store=True
    )
    site_ids = fields.Many2many(
        "emc.site",
        "emc_project_site_rel",
        "project_id",
        "site_id",
        string="Sites",
        domain="[('partner_id', 'child_of', partner_id)]",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id", store=True)
    user_id = fields.Many2one(
        "res.users",
        string="Project manager",
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    engineer_id = fields.Many2one(
        "res.users",
        string="Energy engineer",
        tracking=True,
        domain="[('share', '=', False)]",
    )
    lead_id = fields.Many2one("crm.lead", string="Opportunity", copy=False)
    contract_type = fields.Selection(
        CONTRACT_TYPES, required=True, default="shared_savings", tracking=True
    )
    sharing_ratio = fields.Float(
        string="ESCO share of savings (%)",
        default=70.0,
        tracking=True,
        help="Share of the savings kept by the ESCO during the term (shared "
        "savings, trusteeship), its fee (guaranteed savings) or its share of "
        "the investment (hybrid).",
    )
    term_years = fields.Integer(string="Term (years)", default=8, tracking=True)
    discount_rate = fields.Float(string="Discount rate (%)", default=8.0)
    description = fields.Html()

    scheme_ids = fields.One2many("emc.scheme", "project_id", string="Schemes")
    scheme_count = fields.Integer(compute="_compute_scheme_count")
    selected_scheme_id = fields.Many2one(
        "emc.scheme",
        compute="_compute_selected_scheme_id",
        store=True,
        string="Selected scheme",
    )
    investment = fields.Monetary(
        compute="_compute_from_scheme",
        store=True,
        readonly=False,
        tracking=True,
        help="Investment of the selected scheme; can be entered before a scheme exists.",
    )
    expected_saving_kwh = fields.Float(
        string="Expected savings (kWh/year)",
        compute="_compute_from_scheme",
        store=True,
        readonly=False,
    )
    expected_saving_amount = fields.Monetary(
        string="Expected savings (per year)",
        compute="_compute_from_scheme",
        store=True,
        readonly=False,
    )
    expected_saving_tce = fields.Float(
        string="Expected savings (tce/year)",
        compute="_compute_expected_conversions",
        store=True,
        digits=(16, 2),
    )
    expected_saving_tco2 = fields.Float(
        string="Expected CO2 reduction (tCO2/year)",
        compute="_compute_expected_conversions",
        store=True,
        digits=(16, 2),
    )
    payback_years = fields.Float(
        related="selected_scheme_id.payback_years", string="Payback (years)"
    )
    npv = fields.Monetary(related="selected_scheme_id.npv", string="NPV")
    irr = fields.Float(related="selected_scheme_id.irr", string="IRR (%)")

    feasibility_ids = fields.One2many("emc.feasibility", "project_id", string="Feasibility checks")
    feasibility_id = fields.Many2one(
        "emc.feasibility",
        compute="_compute_feasibility_id",
        store=True,
        string="Latest feasibility check",
    )
    feasibility_recommendation = fields.Selection(
        related="feasibility_id.recommendation", string="Feasibility"
    )
    risk_ids = fields.One2many("emc.risk", "project_id", string="Risks")
    risk_count = fields.Integer(compute="_compute_risk_count", string="Open risks")
    risk_flag_codes = fields.Char(
        compute="_compute_risk_count",
        help="Codes of the automatic risk flags that are open, comma-separated.",
    )
    log_ids = fields.One2many("emc.construction.log", "project_id", string="Construction logs")
    criterion_ids = fields.One2many(
        "emc.acceptance.criterion", "project_id", string="Acceptance criteria"
    )
    acceptance_ids = fields.One2many("emc.acceptance", "project_id", string="Acceptances")

    date_start = fields.Date(string="Planned construction start", tracking=True)
    date_end = fields.Date(string="Planned construction end", tracking=True)
    date_approved = fields.Date(readonly=True, copy=False)
    date_closed = fields.Date(readonly=True, copy=False)
    progress = fields.Float(
        string="Construction progress (%)",
        compute="_compute_progress",
        store=True,
        aggregator="avg",
    )
    planned_progress = fields.Float(
        string="Planned progress (%)", compute="_compute_planned_progress"
    )

    implementation_project_id = fields.Many2one(
        "project.project", string="Implementation project", copy=False, readonly=True
    )
    analytic_account_id = fields.Many2one(
        "account.analytic.account", string="Analytic account", copy=False
    )
    budget_amount = fields.Monetary(string="Budget", tracking=True)
    actual_cost = fields.Monetary(
        compute="_compute_actual_cost",
        help="Costs booked on the project's analytic account.",
    )
    budget_variance = fields.Monetary(
        compute="_compute_actual_cost", help="Actual cost minus budget."
    )
    budget_used_pct = fields.Float(string="Budget used (%)", compute="_compute_actual_cost")

    _sql_constraints = [
        (
            "sharing_ratio_range",
            "check(sharing_ratio >= 0 and sharing_ratio <= 100)",
            "The ESCO share must be between 0 and 100%.",
        ),
        ("term_positive", "check(term_years > 0)", "The term must be at least one year."),
        ("investment_positive", "check(investment >= 0)", "The investment cannot be negative."),
    ]

    # ------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("code", "/") == "/":
                vals["code"] = self.env["ir.sequence"].next_by_code("emc.project") or "/"
        projects = super().create(vals_list)
        projects._update_risk_flags()
        return projects

    def write(self, vals):
        res = super().write(vals)
        watched = {"investment", "budget_amount", "date_start", "date_end", "term_years"}
        if watched & set(vals) and not self.env.context.get("emc_skip_risk_flags"):
            self._update_risk_flags()
        return res

    def _compute_access_url(self):
        super()._compute_access_url()
        for project in self:
            project.access_url = f"/my/emc_projects/{project.id}"

    def _get_tier_validation_readonly_domain(self):
        # Only while the approval is running: once validated the project goes
        # on being edited through design, construction and operation.
        return "state == 'approval' and validation_status in ('waiting', 'pending')"

    def _get_under_validation_exceptions(self):
        return [
            *super()._get_under_validation_exceptions(),
            "activity_ids",
            "message_ids",
            "risk_ids",
            "feasibility_ids",
        ]

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("scheme_ids")
    def _compute_scheme_count(self):
        for project in self:
            project.scheme_count = len(project.scheme_ids)

    @api.depends("scheme_ids.is_selected")
    def _compute_selected_scheme_id(self):
        for project in self:
            project.selected_scheme_id = project.scheme_ids.filtered("is_selected")[:1]

    @api.depends(
        "selected_scheme_id.capex_total",
        "selected_scheme_id.saving_kwh_total",
        "selected_scheme_id.saving_amount_total",
    )
    def _compute_from_scheme(self):
        for project in self:
            scheme = project.selected_scheme_id
            if scheme:
                project.investment = scheme.capex_total
                project.expected_saving_kwh = scheme.saving_kwh_total
                project.expected_saving_amount = scheme.saving_amount_total
            else:
                project.investment = project.investment or 0.0
                project.expected_saving_kwh = project.expected_saving_kwh or 0.0
                project.expected_saving_amount = project.expected_saving_amount or 0.0

    @api.depends(
        "expected_saving_kwh",
        "company_id.emc_tce_factor",
        "company_id.emc_grid_emission_factor",
    )
    def _compute_expected_conversions(self):
        companies = self.env["res.company"]
        for project in self:
            project.expected_saving_tce = companies._emc_kwh_to_tce(
                project.expected_saving_kwh, project.company_id
            )
            project.expected_saving_tco2 = companies._emc_kwh_to_tco2(
                project.expected_saving_kwh, project.company_id
            )

    @api.depends("feasibility_ids")
    def _compute_feasibility_id(self):
        for project in self:
            project.feasibility_id = project.feasibility_ids.sorted("id", reverse=True)[:1]

    @api.depends("risk_ids.state", "risk_ids.flag_code")
    def _compute_risk_count(self):
        for project in self:
            open_risks = project.risk_ids.filtered(lambda r: r.state == "open")
            project.risk_count = len(open_risks)
            project.risk_flag_codes = ",".join(sorted(filter(None, open_risks.mapped("flag_code"))))

    @api.depends("log_ids.progress", "log_ids.date")
    def _compute_progress(self):
        for project in self:
            logs = project.log_ids.sorted(lambda log: (log.date, log.id))
            project.progress = logs[-1].progress if logs else 0.0

    @api.depends("date_start", "date_end")
    def _compute_planned_progress(self):
        today = fields.Date.context_today(self)
        for project in self:
            project.planned_progress = project._planned_progress_on(today)

    def _planned_progress_on(self, day):
        """Linear plan between the planned start and end dates, in percent."""
        self.ensure_one()
        if not (self.date_start and self.date_end) or day <= self.date_start:
            return 0.0
        if day >= self.date_end:
            return 100.0
        total = (self.date_end - self.date_start).days or 1
        return 100.0 * (day - self.date_start).days / total

    @api.depends("analytic_account_id", "budget_amount")
    def _compute_actual_cost(self):
        costs = {}
        # Aggregate cost of the projects' own accounts only: EMC users see
        # the figure without needing accounting rights on the lines. Each
        # analytic plan has its own column on the lines (account_id is only
        # the project plan's), so the lines are read by their plan's column.
        lines = self.env["account.analytic.line"].sudo()
        for plan, accounts in self.analytic_account_id.grouped("root_plan_id").items():
            column = plan._column_name()
            groups = lines._read_group(
                [(column, "in", accounts.ids), ("amount", "<", 0)], [column], ["amount:sum"]
            )
            costs.update({account.id: -amount for account, amount in groups})
        for project in self:
            actual = costs.get(project.analytic_account_id.id, 0.0)
            project.actual_cost = actual
            project.budget_variance = actual - project.budget_amount
            project.budget_used_pct = (
                100.0 * actual / project.budget_amount if project.budget_amount else 0.0
            )

    # ------------------------------------------------------------------
    # Lifecycle: one method per transition
    # ------------------------------------------------------------------
    def action_start_research(self):
        """Initiation → market research."""
        self._check_stage(["initiation"], _("Start market research"))
        self._set_stage("research")
        return True

    def action_start_feasibility(self):
        """Market research → feasibility: needs at least one site."""
        self._check_stage(["research"], _("Start feasibility study"))
        for project in self:
            if not project.site_ids:
                raise UserError(
                    _(
                        "Project %(project)s has no site: record the client's site(s) "
                        "before the feasibility study.",
                        project=project.display_name,
                    )
                )
        self._set_stage("feasibility")
        return True

    def action_submit_approval(self):
        """Feasibility → approval: a selected scheme and a favourable check."""
        self._check_stage(["feasibility"], _("Submit for approval"))
        for project in self:
            if not project.selected_scheme_id:
                raise UserError(
                    _(
                        "Project %(project)s: select a scheme before submitting it for approval.",
                        project=project.display_name,
                    )
                )
            check = project.feasibility_id
            if not check:
                raise UserError(
                    _(
                        "Project %(project)s: run the feasibility check before "
                        "submitting it for approval.",
                        project=project.display_name,
                    )
                )
            if check.recommendation == "no_go":
                raise UserError(
                    _(
                        "Project %(project)s: the feasibility check advises against the "
                        "project (%(reasons)s).",
                        project=project.display_name,
                        reasons=check.reasons,
                    )
                )
        self._set_stage("approval")
        self.request_validation()
        return True

    def action_approve(self):
        """Approval → design: only once every approval tier is validated."""
        self._check_stage(["approval"], _("Approve and start design"))
        for project in self:
            if project.need_validation or project.validation_status not in ("validated", "no"):
                raise UserError(
                    _(
                        "Project %(project)s cannot leave the approval stage: the "
                        "approval (立项审批) is not validated yet.",
                        project=project.display_name,
                    )
                )
        self._set_stage(
            "design", {p.id: {"date_approved": fields.Date.context_today(p)} for p in self}
        )
        for project in self:
            project._ensure_analytic_account()
        return True

    def action_back_to_feasibility(self):
        """Approval → feasibility, e.g. after a rejected review, to rework it."""
        self._check_stage(["approval"], _("Back to feasibility"))
        # Reviews belong to the abandoned submission; a new submission
        # starts a new approval round.
        self.sudo().review_ids.unlink()
        self._set_stage("feasibility")
        return True

    def action_start_contract(self):
        """Design → contract negotiation."""
        self._check_stage(["design"], _("Start contract"))
        self._set_stage("contract")
        return True

    def _check_contract_ready(self):
        """Hook: emc_contract requires a signed contract before construction."""
        return True

    def action_start_implementation(self):
        """Contract → implementation: creates the implementation project and tasks."""
        self._check_stage(["contract"], _("Start implementation"))
        self._check_contract_ready()
        self._set_stage("implementation")
        for project in self:
            project._ensure_implementation_project()
        return True

    def action_start_acceptance(self):
        """Implementation → acceptance."""
        self._check_stage(["implementation"], _("Start acceptance"))
        self._set_stage("acceptance")
        return True

    def action_start_operation(self):
        """Acceptance → operation & maintenance: needs a passed acceptance."""
        self._check_stage(["acceptance"], _("Start operation"))
        for project in self:
            if not project.acceptance_ids.filtered(
                lambda a: a.state == "done" and a.result == "passed"
            ):
                raise UserError(
                    _(
                        "Project %(project)s has no passed acceptance record: complete "
                        "the acceptance first.",
                        project=project.display_name,
                    )
                )
        self._set_stage("operation")
        return True

    def action_close(self):
        """Operation & maintenance → closed, at the end of the term."""
        self._check_stage(["operation"], _("Close project"))
        self._set_stage(
            "closed", {p.id: {"date_closed": fields.Date.context_today(p)} for p in self}
        )
        return True

    # ------------------------------------------------------------------
    # Helpers and actions
    # ------------------------------------------------------------------
    def _ensure_analytic_account(self):
        self.ensure_one()
        if self.analytic_account_id:
            return self.analytic_account_id
        plan = self.env.ref("emc_project.analytic_plan_emc", raise_if_not_found=False)
        if not plan:
            plan = self.env["account.analytic.plan"].sudo().create({"name": _("EMC projects")})
        self.analytic_account_id = (
            self.env["account.analytic.account"]
            .sudo()
            .create(
                {
                    "name": self.name,
                    "code": self.code,
                    "plan_id": plan.id,
                    "partner_id": self.partner_id.commercial_partner_id.id,
                    "company_id": self.company_id.id,
                }
            )
        )
        if not self.budget_amount:
            self.budget_amount = self.investment
        return self.analytic_account_id

    def _prepare_implementation_project_vals(self):
        """Hook: values of the implementation project.project."""
        self.ensure_one()
        return {
            "name": _("%(code)s %(name)s – implementation", code=self.code, name=self.name),
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "user_id": self.user_id.id,
            "account_id": self._ensure_analytic_account().id,
            "emc_project_id": self.id,
            "date_start": self.date_start,
            "date": self.date_end,
            "allow_billable": False,
        }

    def _ensure_implementation_project(self):
        self.ensure_one()
        if self.implementation_project_id:
            return self.implementation_project_id
        vals = self._prepare_implementation_project_vals()
        if "allow_billable" not in self.env["project.project"]._fields:
            vals.pop("allow_billable")
        impl = self.env["project.project"].create(vals)
        self.env["project.task"].create(
            [
                {
                    "name": task_name,
                    "project_id": impl.id,
                    "sequence": index,
                    "user_ids": [(6, 0, self.user_id.ids)],
                }
                for index, task_name in enumerate(self._implementation_task_names())
            ]
        )
        self.implementation_project_id = impl
        return impl

    def _implementation_task_names(self):
        return [
            _("Site preparation"),
            _("Equipment procurement"),
            _("Installation"),
            _("Commissioning"),
            _("Completion documents"),
        ]

    def action_check_feasibility(self):
        """Score the project and record a feasibility check with its reasons."""
        Check = self.env["emc.feasibility"]
        checks = Check.create([Check._prepare_for_project(project) for project in self])
        self._update_risk_flags()
        if len(self) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "emc.feasibility",
                "res_id": checks.id,
                "view_mode": "form",
                "target": "new",
            }
        return True

    def _feasibility_present(self):
        """Codes of the feasibility data the project has (``feasibility.COMPLETENESS_ITEMS``)."""
        self.ensure_one()
        scheme = self.selected_scheme_id
        data = {
            "site": self.site_ids,
            "site_energy": self.site_ids.energy_ids,
            "equipment": self.site_ids.equipment_ids,
            "scheme": scheme,
            "scheme_lines": scheme.line_ids,
            "engineer": self.engineer_id,
            "credit_rating": self.partner_id.commercial_partner_id.emc_credit_rating,
        }
        return {item for item, value in data.items() if value}

    def _missing_data(self):
        """Translated labels of the data a feasibility study needs and lacks."""
        self.ensure_one()
        _score, missing = feasibility.completeness(self._feasibility_present())
        return self.env["emc.feasibility"]._item_labels(missing)

    # ------------------------------------------------------------------
    # Automatic risk flags
    # ------------------------------------------------------------------
    def _compute_risk_flags(self, today=None):
        """Codes of the automatic flags that hold for this project now."""
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        flags = set()
        scheme = self.selected_scheme_id
        if scheme and (not scheme.payback_years or scheme.payback_years > self.term_years):
            flags.add("payback_over_term")
        if self.state in ("implementation", "acceptance") and self.date_start and self.date_end:
            lag = self._planned_progress_on(today) - self.progress
            if lag > self.company_id.emc_schedule_slip_threshold:
                flags.add("schedule_slip")
        if self.budget_amount and self.actual_cost > self.budget_amount * (
            1 + self.company_id.emc_budget_tolerance / 100.0
        ):
            flags.add("budget_overrun")
        if (
            STAGE_ORDER.index(self.state) >= STAGE_ORDER.index("feasibility")
            and self._missing_data()
        ):
            flags.add("missing_data")
        return flags

    def _update_risk_flags(self, today=None):
        """Open a risk for each new flag, close the automatic ones that cleared."""
        Risk = self.env["emc.risk"].sudo()
        for project in self:
            if project.state == "closed":
                continue
            flags = project._compute_risk_flags(today)
            open_auto = project.risk_ids.filtered(lambda r: r.flag_code and r.state == "open")
            for risk in open_auto:
                if risk.flag_code not in flags:
                    risk.action_close_flag()
            present = set(open_auto.mapped("flag_code"))
            new_flags = flags - present
            if new_flags:
                Risk.create(
                    [Risk._prepare_flag_values(project, code) for code in sorted(new_flags)]
                )
        return True

    @api.model
    def _cron_update_risk_flags(self):
        projects = self.search([("state", "not in", ("closed",))])
        projects._update_risk_flags()

    def action_update_risk_flags(self):
        self._update_risk_flags()
        return True

    # ------------------------------------------------------------------
    # Smart buttons
    # ------------------------------------------------------------------
    def action_view_schemes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("emc_project.emc_scheme_action")
        action["domain"] = [("project_id", "=", self.id)]
        action["context"] = {"default_project_id": self.id}
        action["view_mode"] = "list,form"
        return action

    def action_view_implementation(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "project.project",
            "res_id": self.implementation_project_id.id,
            "view_mode": "form",
        }

    def action_print_acceptance(self):
        self.ensure_one()
        acceptance = self.acceptance_ids.sorted("id", reverse=True)[:1]
        if not acceptance:
            raise UserError(_("Project %(project)s has no acceptance record.", project=self.name))
        return self.env.ref("emc_project.action_report_emc_acceptance").report_action(acceptance)

    def _get_report_base_filename(self):
        self.ensure_one()
        return f"EMC-{self.code}"
