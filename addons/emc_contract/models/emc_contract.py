from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_list
from odoo.tools.translate import LazyTranslate

from odoo.addons.emc_metering.models.emc_mv_baseline import OPTIONS as MV_OPTIONS
from odoo.addons.emc_project.models.emc_stage_mixin import stage_field

_lt = LazyTranslate(__name__)

# GB/T 24915 contract types; the keys are those of lib/settlement.py.
CONTRACT_TYPES = [
    ("shared_savings", "Shared savings"),
    ("guaranteed_savings", "Guaranteed savings"),
    ("energy_trusteeship", "Energy cost trusteeship"),
    ("financing_lease", "Financing lease"),
    ("hybrid", "Hybrid"),
]
# Types whose money comes from verified savings: they need an M&V baseline.
SAVINGS_TYPES = ("shared_savings", "guaranteed_savings", "hybrid")
CONTRACT_STAGES = [
    ("draft", "Draft"),
    ("approval", "In approval"),
    ("signing", "Signing"),
    ("active", "In force"),
    ("amending", "Amending"),
    ("terminated", "Terminated early"),
    ("expired", "Expired"),
    ("closed", "Closed"),
    ("cancelled", "Cancelled"),
]
# Stages in which the contract is in force and is settled.
IN_FORCE_STAGES = ("active", "amending")
SETTLEMENT_PERIODS = [
    ("month", "Monthly"),
    ("quarter", "Quarterly"),
    ("half_year", "Half-yearly"),
    ("year", "Yearly"),
]
SETTLEMENT_PERIOD_MONTHS = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}


class EmcContract(models.Model):
    """An energy performance contract (合同能源管理合同) between an ESCO and its client.

    The ESCO is the contract's company; the client a partner. The terms that
    the settlement needs (prices, sharing tiers, guarantee, trusteeship, lease)
    live on the contract and its lines; :meth:`_settlement_contract` turns them
    into the :class:`lib.settlement.Contract` of the pure-Python settlement,
    which also checks that they are consistent. The concerns of the contract
    are split over files: terms (``emc_contract_terms.py``), and in the other
    files of this addon the lifecycle, documents, signatures, amendments,
    settlements and funds.
    """

    _name = "emc.contract"
    _description = "EMC contract"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "portal.mixin",
        "emc.stage.mixin",
    ]
    _order = "date_start desc, id desc"
    _rec_names_search = ["name", "title", "partner_id"]
    _stage_field = "state"
    _stage_record_label = _lt("Contract")
    _stage_hidden_groups = ("cancelled",)

    name = fields.Char(
        string="Number",
        required=True,
        copy=False,
        readonly=True,
        default=lambda self: self.env._("New"),
        index="trigram",
    )
    title = fields.Char(required=True, tracking=True)
    contract_type = fields.Selection(
        CONTRACT_TYPES, string="Type", required=True, default="shared_savings", tracking=True
    )
    state = stage_field(CONTRACT_STAGES, "draft")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        string="ESCO",
        required=True,
        default=lambda self: self.env.company,
        index=True,
        tracking=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        required=True,
        index=True,
        tracking=True,
        domain="[('is_company', '=', True)]",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    project_id = fields.Many2one(
        "emc.project",
        string="EMC project",
        index=True,
        tracking=True,
        domain="[('company_id', '=', company_id)]",
    )
    site_ids = fields.Many2many("emc.site", string="Sites")
    meter_ids = fields.Many2many(
        "emc.meter", string="Meters", domain="[('site_id', 'in', site_ids)]"
    )
    baseline_ids = fields.Many2many(
        "emc.mv.baseline",
        string="M&V baselines",
        domain="[('site_id', 'in', site_ids)]",
        help="The baselines whose verified savings this contract settles, one per site or "
        "retrofit; only approved baselines are settled.",
    )
    mv_option = fields.Selection(MV_OPTIONS, string="IPMVP option", tracking=True)
    workorder_id = fields.Many2one(
        "emc.workorder",
        string="Work order",
        index="btree_not_null",
        tracking=True,
        help="The service-desk order this contract was concluded for: signing the contract "
        "archives it on the order and moves the order on.",
    )
    date_start = fields.Date(string="Start", tracking=True)
    date_end = fields.Date(string="End", tracking=True, help="The last day of the contract.")
    term_years = fields.Integer(
        string="Term (years)",
        compute="_compute_term_years",
        help="Contract years counted from the start (a started year counts).",
    )
    settlement_period = fields.Selection(
        SETTLEMENT_PERIODS, default="month", required=True, tracking=True
    )
    payment_term_id = fields.Many2one("account.payment.term", string="Payment terms")
    ownership_transfer = fields.Boolean(
        string="Equipment to the client at the end",
        default=True,
        help="The energy-saving equipment becomes the client's property when the contract "
        "ends (the usual rule of GB/T 24915).",
    )
    ownership_note = fields.Text(string="Ownership terms")
    note = fields.Html(string="Notes")

    _sql_constraints = [
        ("name_company_uniq", "unique(name, company_id)", "The contract number must be unique."),
        (
            "dates_order",
            "CHECK(date_end IS NULL OR date_start IS NULL OR date_end >= date_start)",
            "A contract cannot end before it starts.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("name") or vals["name"] == self.env._("New"):
                company = self.env["res.company"].browse(vals.get("company_id"))
                sequence = self.env["ir.sequence"].with_company(company or self.env.company)
                vals["name"] = sequence.next_by_code("emc.contract") or "/"
        return super().create(vals_list)

    @api.depends("date_start", "date_end")
    def _compute_term_years(self):
        for contract in self:
            if contract.date_start and contract.date_end:
                delta = relativedelta(
                    contract.date_end + relativedelta(days=1), contract.date_start
                )
                contract.term_years = delta.years + (1 if delta.months or delta.days else 0)
            else:
                contract.term_years = 0

    @api.depends("name", "title")
    def _compute_display_name(self):
        for contract in self:
            contract.display_name = (
                f"{contract.name} {contract.title}" if contract.title else contract.name
            )

    def _compute_access_url(self):
        super()._compute_access_url()
        for contract in self:
            contract.access_url = f"/my/contracts/{contract.id}"

    @api.onchange("project_id")
    def _onchange_project_id(self):
        if self.project_id:
            self.partner_id = self.project_id.partner_id.commercial_partner_id or self.partner_id
            if not self.site_ids:
                self.site_ids = self.project_id.site_ids

    @api.onchange("site_ids")
    def _onchange_site_ids(self):
        self.meter_ids = self.meter_ids.filtered(lambda m: m.site_id in self.site_ids)
        self.baseline_ids = self.baseline_ids.filtered(lambda b: b.site_id in self.site_ids)

    @api.onchange("baseline_ids")
    def _onchange_baseline_ids(self):
        options = set(self.baseline_ids.mapped("option"))
        if len(options) == 1 and not self.mv_option:
            self.mv_option = options.pop()

    # ------------------------------------------------------------------
    # Transitions of the draft; the rest of the lifecycle is in
    # emc_contract_lifecycle.py.
    # ------------------------------------------------------------------

    def _check_submittable(self):
        """Raise a UserError listing what each contract lacks before it goes for approval."""
        for contract in self:
            missing = contract._missing_terms()
            if missing:
                raise UserError(
                    self.env._(
                        "Contract %(contract)s cannot be submitted: %(missing)s still missing.",
                        contract=contract.display_name,
                        missing=format_list(self.env, missing),
                    )
                )
            contract._check_terms_consistent()
