"""M&V baselines: the measurement boundary, the data, the fit and its approval.

A baseline (基准能耗模型) ties meters (the measurement boundary) of a site to
a weather station over a baseline period, and fits the pure-Python
:mod:`..mv` regression (CalTRACK 2.0 candidates, ASHRAE Guideline 14
acceptance) to their daily rollups. Savings, forecasts and monitoring against
it live in ``emc_mv_baseline_savings.py`` and ``emc_mv_baseline_forecast.py``.

Consumption is read from ``emc.meter.rollup.daily`` (consumption channels
only), after the rollups are brought up to date; a day counts when every
meter of the boundary has its rollup (a day one meter lacks would be a
partial sum). Monthly baselines use calendar months as their billing
periods, a month counting when all its days do.

Lifecycle: ``draft`` → ``fitted`` (the last fit passed) → ``approved`` (an
energy engineer signs it off; from then on its inputs and its model are
frozen, and savings are computed against it).
"""

import calendar
import math
from datetime import timedelta

import numpy as np

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .. import mv

OPTIONS = [
    ("C", "Option C – whole facility"),
    ("B", "Option B – retrofit isolation"),
]
GRANULARITIES = [
    ("daily", "Daily"),
    ("monthly", "Monthly (calendar months)"),
]
STATES = [
    ("draft", "Draft"),
    ("fitted", "Fitted"),
    ("approved", "Approved"),
]
FIT_STATUSES = [
    (mv.FIT, "Fit"),
    (mv.UNFIT, "Unfit"),
    (mv.INSUFFICIENT_DATA, "Insufficient data"),
]
MODEL_TYPES = [
    (mv.INTERCEPT_ONLY, "Base load only"),
    (mv.HEATING, "Heating"),
    (mv.COOLING, "Cooling"),
    (mv.HEATING_COOLING, "Heating and cooling"),
]
# Changing one of these changes the data or the fit: an approved baseline keeps them.
# (Production of the baseline period is frozen by emc.mv.production itself: that of
# the reporting period is entered after the approval.)
FIT_INPUTS = frozenset(
    {
        "site_id",
        "option",
        "meter_ids",
        "station_id",
        "granularity",
        "date_baseline_start",
        "date_baseline_end",
        "use_production",
        "bp_heating_min",
        "bp_heating_max",
        "bp_cooling_min",
        "bp_cooling_max",
        "bp_step",
        "allow_heating",
        "allow_cooling",
    }
)
MAX_GRID_POINTS = 200


def month_end(day):
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


class EmcMvBaseline(models.Model):
    _name = "emc.mv.baseline"
    _description = "M&V baseline"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_baseline_start desc, id desc"

    name = fields.Char(required=True, tracking=True)
    project_id = fields.Many2one(
        "emc.project",
        string="Project",
        index=True,
        tracking=True,
        domain="[('site_ids', 'in', site_id)]",
    )
    site_id = fields.Many2one("emc.site", string="Site", required=True, index=True, tracking=True)
    partner_id = fields.Many2one(
        related="site_id.partner_id", store=True, index=True, string="Client"
    )
    company_id = fields.Many2one(
        related="site_id.company_id", store=True, index=True, string="Organisation"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    option = fields.Selection(
        OPTIONS,
        string="IPMVP option",
        required=True,
        default="C",
        tracking=True,
        help="Option C measures the whole facility through the site's main meters; Option B "
        "isolates the retrofit with sub-meters chosen here.",
    )
    meter_ids = fields.Many2many(
        "emc.meter",
        "emc_mv_baseline_meter_rel",
        "baseline_id",
        "meter_id",
        string="Measurement boundary",
        domain="[('site_id', '=', site_id), ('carrier', '=', 'electricity')]",
        help="The electricity meters whose consumption channels, summed, are the consumption "
        "of the boundary.",
    )
    station_id = fields.Many2one(
        "emc.weather.station",
        string="Weather station",
        required=True,
        tracking=True,
        domain="[('company_id', '=', company_id)]",
    )
    granularity = fields.Selection(
        GRANULARITIES,
        required=True,
        default="daily",
        tracking=True,
        help="Daily: one observation per day. Monthly: one per calendar month (the billing "
        "periods), judged by the stricter monthly thresholds of ASHRAE Guideline 14.",
    )
    date_baseline_start = fields.Date(string="Baseline from", required=True, tracking=True)
    date_baseline_end = fields.Date(
        string="Baseline to",
        required=True,
        tracking=True,
        help="Last day of the baseline period (included).",
    )
    use_production = fields.Boolean(
        string="Production variable",
        help="Add the production of each day (or month) as a variable of the model.",
    )
    production_unit = fields.Char(help="Unit of the production (t, pieces, room-nights...).")
    production_ids = fields.One2many("emc.mv.production", "baseline_id", string="Production")
    allow_heating = fields.Boolean(string="Heating term", default=True)
    allow_cooling = fields.Boolean(string="Cooling term", default=True)
    bp_heating_min = fields.Float(string="Heating balance points from (°C)", default=-1.0)
    bp_heating_max = fields.Float(string="Heating balance points to (°C)", default=32.0)
    bp_cooling_min = fields.Float(string="Cooling balance points from (°C)", default=-1.0)
    bp_cooling_max = fields.Float(string="Cooling balance points to (°C)", default=32.0)
    bp_step = fields.Float(string="Balance point step (°C)", default=1.0)

    state = fields.Selection(
        STATES, default="draft", required=True, readonly=True, tracking=True, copy=False, index=True
    )
    fit_status = fields.Selection(FIT_STATUSES, readonly=True, copy=False, tracking=True)
    fit_result = fields.Json(readonly=True, copy=False)
    model_data = fields.Json(readonly=True, copy=False)
    fit_reasons = fields.Text(compute="_compute_fit_texts", string="Why not fit")
    fit_warnings = fields.Text(compute="_compute_fit_texts", string="Data warnings")
    date_fitted = fields.Datetime(string="Fitted on", readonly=True, copy=False)
    fitted_by_id = fields.Many2one("res.users", string="Fitted by", readonly=True, copy=False)
    date_approved = fields.Datetime(string="Approved on", readonly=True, copy=False)
    approved_by_id = fields.Many2one("res.users", string="Approved by", readonly=True, copy=False)

    model_type = fields.Selection(MODEL_TYPES, readonly=True, copy=False)
    heating_balance_point = fields.Float(
        string="Heating balance point (°C)", readonly=True, copy=False
    )
    cooling_balance_point = fields.Float(
        string="Cooling balance point (°C)", readonly=True, copy=False
    )
    has_heating = fields.Boolean(compute="_compute_model_terms")
    has_cooling = fields.Boolean(compute="_compute_model_terms")
    n_observations = fields.Integer(string="Observations (n)", readonly=True, copy=False)
    n_parameters = fields.Integer(string="Coefficients (p)", readonly=True, copy=False)
    usable_days = fields.Integer(readonly=True, copy=False)
    r_squared = fields.Float(string="R²", readonly=True, copy=False)
    adj_r_squared = fields.Float(string="Adjusted R²", readonly=True, copy=False)
    cv_rmse = fields.Float(string="CV(RMSE) (%)", readonly=True, copy=False)
    nmbe = fields.Float(string="NMBE (%)", readonly=True, copy=False)
    rmse = fields.Float(string="RMSE (kWh)", readonly=True, copy=False)
    sigma = fields.Float(string="Residual σ (kWh/day)", readonly=True, copy=False)
    autocorrelation = fields.Float(string="Lag-1 autocorrelation", readonly=True, copy=False)
    mean_usage = fields.Float(
        string="Mean consumption per observation (kWh)", readonly=True, copy=False
    )
    g14_passed = fields.Boolean(string="ASHRAE Guideline 14 accepted", readonly=True, copy=False)
    g14_max_cv_rmse = fields.Float(
        string="Guideline 14 CV(RMSE) limit (%)", digits=(16, 1), readonly=True, copy=False
    )
    g14_max_nmbe = fields.Float(
        string="Guideline 14 NMBE limit (±%)", digits=(16, 1), readonly=True, copy=False
    )
    coefficient_ids = fields.One2many(
        "emc.mv.coefficient", "baseline_id", string="Coefficients", readonly=True
    )
    candidate_ids = fields.One2many(
        "emc.mv.candidate", "baseline_id", string="Candidates tried", readonly=True
    )

    # ------------------------------------------------------------------
    # Computes, onchanges, constraints
    # ------------------------------------------------------------------
    @api.depends("fit_result")
    @api.depends_context("lang")
    def _compute_fit_texts(self):
        for baseline in self:
            result = baseline.fit_result or {}
            baseline.fit_reasons = baseline._reason_texts(result.get("reasons")) or False
            baseline.fit_warnings = baseline._reason_texts(result.get("warnings")) or False

    def _reason_texts(self, reasons):
        """The stored reasons (``Reason.to_dict()``) in the reader's language, one a line."""
        return "\n".join(
            mv.Reason.from_dict(reason).translated(self.env._) for reason in reasons or ()
        )

    @api.depends("model_type")
    def _compute_model_terms(self):
        for baseline in self:
            baseline.has_heating = baseline.model_type in (mv.HEATING, mv.HEATING_COOLING)
            baseline.has_cooling = baseline.model_type in (mv.COOLING, mv.HEATING_COOLING)

    @api.onchange("site_id", "option")
    def _onchange_boundary(self):
        if self.option == "C" and self.site_id:
            self.meter_ids = self.site_id._mv_main_meters()
        elif self.site_id:
            self.meter_ids = self.meter_ids.filtered(lambda m: m.site_id == self.site_id)

    @api.constrains("site_id", "option", "meter_ids")
    def _check_boundary(self):
        for baseline in self:
            foreign = baseline.meter_ids.filtered(lambda m, b=baseline: m.site_id != b.site_id)
            if foreign:
                raise ValidationError(
                    _(
                        "Baseline %(baseline)s measures site %(site)s, but meter %(meter)s is at "
                        "another site: the boundary holds meters of its site only.",
                        baseline=baseline.name,
                        site=baseline.site_id.name,
                        meter=foreign[0].display_name,
                    )
                )
            other = baseline.meter_ids.filtered(lambda m: m.carrier != "electricity")
            if other:
                raise ValidationError(
                    _(
                        "Meter %(meter)s does not measure electricity: savings are expressed in "
                        "kWh, tce and tCO2 with the organisation's electricity factors, so the "
                        "boundary holds electricity meters only.",
                        meter=other[0].display_name,
                    )
                )
            if baseline.option == "C":
                sub = baseline.meter_ids.filtered(lambda m: m.mv_role != "main")
                if sub:
                    raise ValidationError(
                        _(
                            "Option C measures the whole facility through its main meters; "
                            "%(meter)s is a sub-meter. Choose Option B for a retrofit isolated "
                            "by sub-meters.",
                            meter=sub[0].display_name,
                        )
                    )

    @api.constrains("date_baseline_start", "date_baseline_end", "granularity")
    def _check_baseline_period(self):
        for baseline in self:
            start, end = baseline.date_baseline_start, baseline.date_baseline_end
            if start and end and end < start:
                raise ValidationError(
                    _(
                        "Baseline %(baseline)s ends (%(end)s) before it starts (%(start)s).",
                        baseline=baseline.name,
                        start=start,
                        end=end,
                    )
                )
            if baseline.granularity == "monthly":
                baseline._check_month_bounds(start, end, _("baseline period"))

    def _check_month_bounds(self, start, end, what):
        """Monthly baselines work on whole calendar months (their billing periods)."""
        if (start and start.day != 1) or (end and end != month_end(end)):
            raise ValidationError(
                _(
                    "Baseline %(baseline)s is monthly: its %(what)s must start on the first day "
                    "of a month and end on the last day of a month.",
                    baseline=self.name,
                    what=what,
                )
            )

    @api.constrains(
        "bp_heating_min", "bp_heating_max", "bp_cooling_min", "bp_cooling_max", "bp_step"
    )
    def _check_grid(self):
        for baseline in self:
            if baseline.bp_step <= 0:
                raise ValidationError(_("The balance point step must be positive."))
            for low, high in (
                (baseline.bp_heating_min, baseline.bp_heating_max),
                (baseline.bp_cooling_min, baseline.bp_cooling_max),
            ):
                if high < low:
                    raise ValidationError(
                        _(
                            "A balance point range runs from %(low)s to %(high)s °C: its end "
                            "must not be below its start.",
                            low=low,
                            high=high,
                        )
                    )
                if (high - low) / baseline.bp_step + 1 > MAX_GRID_POINTS:
                    raise ValidationError(
                        _(
                            "The balance point grid from %(low)s to %(high)s °C by %(step)s °C "
                            "has more than %(max)d points: widen the step.",
                            low=low,
                            high=high,
                            step=baseline.bp_step,
                            max=MAX_GRID_POINTS,
                        )
                    )

    def write(self, vals):
        changed = FIT_INPUTS & set(vals)
        if changed:
            approved = self.filtered(lambda b: b.state == "approved")
            if approved:
                raise UserError(
                    _(
                        "Baseline %(baseline)s is approved: its meters, period, weather station "
                        "and model options are frozen. Duplicate it to fit another baseline.",
                        baseline=approved[0].name,
                    )
                )
            # a fitted baseline whose data change must be fitted again before approval
            fitted = self.filtered(lambda b: b.state == "fitted")
            if fitted:
                super(EmcMvBaseline, fitted).write({"state": "draft"})
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_approved(self):
        if any(baseline.state == "approved" for baseline in self):
            raise UserError(
                _("An approved baseline is the reference of its savings: it cannot be deleted.")
            )

    # ------------------------------------------------------------------
    # Data
    # ------------------------------------------------------------------
    def _consumption_by_day(self, date_from, date_to):
        """``{date: kWh}`` of the boundary over ``[date_from, date_to)``.

        Only days on which every meter of the boundary has a daily rollup of
        its consumption channel are given.
        """
        self.ensure_one()
        self.env["emc.meter.reading"]._refresh_rollups(wait=True)
        meters = self.meter_ids
        groups = self.env["emc.meter.rollup.daily"]._read_group(
            [
                ("meter_id", "in", meters.ids),
                ("is_main", "=", True),
                ("date", ">=", date_from),
                ("date", "<", date_to),
            ],
            ["date:day"],
            ["consumption:sum", "meter_id:count_distinct"],
        )
        return {day: kwh for day, kwh, count in groups if count == len(meters)}

    def _production_by_period(self, starts, ends):
        """Production of each period ``[starts[i], ends[i])``, NaN when none is recorded."""
        self.ensure_one()
        values = np.full(len(starts), np.nan)
        if not starts:
            return values
        rows = self.env["emc.mv.production"].search_read(
            [("baseline_id", "=", self.id), ("date", ">=", starts[0]), ("date", "<", ends[-1])],
            ["date", "quantity"],
            order="date",
        )
        if not rows:
            return values
        days = np.array([row["date"] for row in rows], dtype="datetime64[D]")
        cumulative = np.concatenate(([0.0], np.cumsum([row["quantity"] for row in rows])))
        first = np.searchsorted(days, np.array(starts, dtype="datetime64[D]"))
        last = np.searchsorted(days, np.array(ends, dtype="datetime64[D]"))
        return np.where(last > first, cumulative[last] - cumulative[first], np.nan)

    def _usage_data(self, date_from, date_to):
        """:class:`mv.UsageData` of the boundary over ``[date_from, date_to)``.

        Daily: one row per day, NaN where a meter lacks the day. Monthly: one
        billing period per calendar month, NaN unless every day is there.
        """
        self.ensure_one()
        by_day = self._consumption_by_day(date_from, date_to)
        days = [date_from + timedelta(days=i) for i in range((date_to - date_from).days)]
        if not days:
            raise UserError(_("The period from %(start)s is empty.", start=date_from))
        if self.granularity == "daily":
            kwh = [by_day.get(day, np.nan) for day in days]
            production = (
                self._production_by_period(days, [d + timedelta(days=1) for d in days])
                if self.use_production
                else None
            )
            return mv.UsageData.daily(days, kwh, production)
        starts, ends, kwh = [], [], []
        month = date_from.replace(day=1)
        while month < date_to:
            end = month_end(month) + timedelta(days=1)
            in_month = [d for d in days if month <= d < end]
            starts.append(month)
            ends.append(end)
            complete = len(in_month) == (end - month).days and all(d in by_day for d in in_month)
            kwh.append(sum(by_day[d] for d in in_month) if complete else np.nan)
            month = end
        production = self._production_by_period(starts, ends) if self.use_production else None
        return mv.UsageData.billing(starts, ends, kwh, production)

    def _fit_options(self):
        self.ensure_one()

        def grid(low, high):
            # every point from low up to high, never beyond it
            count = math.floor((high - low) / self.bp_step + 1e-9) + 1
            return tuple(float(round(low + i * self.bp_step, 6)) for i in range(count))

        types = [mv.INTERCEPT_ONLY]
        if self.allow_heating:
            types.append(mv.HEATING)
        if self.allow_cooling:
            types.append(mv.COOLING)
        if self.allow_heating and self.allow_cooling:
            types.append(mv.HEATING_COOLING)
        return mv.BaselineOptions(
            heating_balance_points=grid(self.bp_heating_min, self.bp_heating_max),
            cooling_balance_points=grid(self.bp_cooling_min, self.bp_cooling_max),
            model_types=tuple(types),
        )

    def _model(self):
        """The fitted :class:`mv.BaselineModel` (UserError when there is none)."""
        self.ensure_one()
        # a draft's model is absent, or stale since its data or options changed
        if self.state == "draft" or not self.model_data:
            raise UserError(
                _(
                    "Baseline %(baseline)s has no accepted model yet: fit it first.",
                    baseline=self.name,
                )
            )
        return mv.BaselineModel.from_dict(self.model_data)

    def _mv_error(self, error):
        """A UserError with the package's reason in the reader's language."""
        return UserError(error.reason.translated(self.env._))

    # ------------------------------------------------------------------
    # Transitions
    # ------------------------------------------------------------------
    def _check_engineer(self):
        if not self.env.user.has_group("emc_project.group_emc_engineer"):
            raise AccessError(_("Only an energy engineer fits and approves M&V baselines."))

    def action_fit(self):
        """Fit the baseline model to the boundary's daily rollups and the station's temperatures.

        Stores the status with its reasons, the chosen model with its
        coefficients and statistics, and the candidates tried; a baseline
        whose fit passes moves to ``fitted``, one that does not stays (or
        goes back) in ``draft``. An approved baseline is never refitted.
        """
        self._check_engineer()
        for baseline in self:
            if baseline.state == "approved":
                raise UserError(
                    _(
                        "Baseline %(baseline)s is approved and the savings are measured against "
                        "it: it cannot be refitted. Duplicate it to fit a new baseline.",
                        baseline=baseline.name,
                    )
                )
            if not baseline.meter_ids:
                raise UserError(
                    _(
                        "Baseline %(baseline)s has no meter in its measurement boundary: add "
                        "the meters whose consumption it models.",
                        baseline=baseline.name,
                    )
                )
            start = baseline.date_baseline_start
            end = baseline.date_baseline_end + timedelta(days=1)
            try:
                usage = baseline._usage_data(start, end)
                temperature = baseline.station_id._daily_temperature(start, end)
                result = mv.fit_baseline(
                    usage,
                    temperature,
                    baseline._fit_options(),
                    window_start=start,
                    window_end=end,
                )
            except mv.MVError as error:
                raise baseline._mv_error(error) from error
            baseline._store_fit(result)
        return True

    def _store_fit(self, result):
        self.ensure_one()
        model = result.model
        values = {
            "fit_status": result.status,
            "fit_result": {key: value for key, value in result.to_dict().items() if key != "model"},
            "model_data": model.to_dict() if model else False,
            "date_fitted": fields.Datetime.now(),
            "fitted_by_id": self.env.uid,
            "state": "fitted" if result.status == mv.FIT else "draft",
            "coefficient_ids": [fields.Command.clear()],
            "candidate_ids": [fields.Command.clear()]
            + [
                fields.Command.create(
                    {
                        "model_type": c.model_type,
                        "evaluated": c.evaluated,
                        "qualified": c.qualified,
                        "best_adj_r_squared": c.best_adj_r_squared or 0.0,
                        "heating_balance_point": c.heating_balance_point or 0.0,
                        "cooling_balance_point": c.cooling_balance_point or 0.0,
                        "rejection": c.rejection.to_dict() if c.rejection else False,
                    }
                )
                for c in result.candidates
            ],
        }
        statistics = dict.fromkeys(
            (
                "model_type",
                "n_observations",
                "n_parameters",
                "usable_days",
                "r_squared",
                "adj_r_squared",
                "cv_rmse",
                "nmbe",
                "rmse",
                "sigma",
                "autocorrelation",
                "mean_usage",
                "heating_balance_point",
                "cooling_balance_point",
                "g14_passed",
                "g14_max_cv_rmse",
                "g14_max_nmbe",
            ),
            False,
        )
        if model:
            acceptance = mv.guideline14_acceptance(model.cv_rmse, model.nmbe, model.granularity)
            statistics.update(
                model_type=model.model_type,
                n_observations=model.n,
                n_parameters=model.p,
                usable_days=model.usable_days,
                r_squared=model.r_squared,
                adj_r_squared=model.adj_r_squared,
                cv_rmse=model.cv_rmse,
                nmbe=model.nmbe,
                rmse=model.rmse,
                sigma=model.sigma,
                autocorrelation=model.autocorrelation,
                mean_usage=model.mean_usage,
                heating_balance_point=model.heating_balance_point or 0.0,
                cooling_balance_point=model.cooling_balance_point or 0.0,
                g14_passed=acceptance.passed,
                g14_max_cv_rmse=acceptance.max_cv_rmse,
                g14_max_nmbe=acceptance.max_nmbe,
            )
            values["coefficient_ids"] += [
                fields.Command.create(
                    {
                        "sequence": index,
                        "term": c.name,
                        "value": c.value,
                        "std_error": c.std_error,
                        "t_stat": c.t_stat,
                        "p_value": c.p_value,
                    }
                )
                for index, c in enumerate(model.coefficients)
            ]
        values.update(statistics)
        # written around the freeze of FIT_INPUTS: the fit writes outputs only
        super().write(values)
        if result.status == mv.FIT:
            body = _(
                "Baseline fitted: %(model)s model, n = %(n)d, adjusted R² %(adj).4f, "
                "CV(RMSE) %(cv).2f %%, NMBE %(nmbe).3f %%.",
                model=dict(MODEL_TYPES)[model.model_type],
                n=model.n,
                adj=model.adj_r_squared,
                cv=model.cv_rmse,
                nmbe=model.nmbe,
            )
        else:
            body = _(
                "Baseline not fitted (%(status)s): %(reasons)s",
                status=dict(self._fields["fit_status"]._description_selection(self.env))[
                    result.status
                ],
                reasons=self._reason_texts(values["fit_result"]["reasons"]),
            )
        self.message_post(body=body)

    def action_approve(self):
        """An energy engineer approves a fitted baseline: savings are then measured against it."""
        self._check_engineer()
        for baseline in self:
            if baseline.state != "fitted" or baseline.fit_status != mv.FIT:
                raise UserError(
                    _(
                        "Baseline %(baseline)s is not fitted: fit it, and approve it once its "
                        "model passes ASHRAE Guideline 14.",
                        baseline=baseline.name,
                    )
                )
        self.write(
            {
                "state": "approved",
                "approved_by_id": self.env.uid,
                "date_approved": fields.Datetime.now(),
            }
        )
        return True

    def action_reset_draft(self):
        """Back to draft, to change the data or the options; refused once savings rest on it."""
        self._check_engineer()
        for baseline in self:
            if baseline.state == "approved" and baseline.savings_line_ids:
                raise UserError(
                    _(
                        "Savings have been measured against baseline %(baseline)s: it stays "
                        "approved. Duplicate it to fit a new baseline.",
                        baseline=baseline.name,
                    )
                )
        super().write({"state": "draft", "approved_by_id": False, "date_approved": False})
        return True

    def action_view_production(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "emc_metering.emc_mv_production_action"
        )
        action["domain"] = [("baseline_id", "in", self.ids)]
        action["context"] = {"default_baseline_id": self[:1].id}
        return action

    def action_print(self):
        return self.env.ref("emc_metering.action_report_emc_mv_baseline").report_action(self)
