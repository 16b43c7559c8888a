"""Measurement and verification (测量与验证, M&V) of energy savings, in pure Python.

This package holds the M&V calculations of ``emc_metering`` with numpy as its
only dependency and no ORM: the Odoo models read meter rollups and weather
data, call the functions below and store the JSON-compatible results
(``to_dict()``); the unit tests run it without a database. Methods: IPMVP
Option C (whole facility) and Option B (retrofit isolation) with regression
baselines as in CalTRACK 2.0 (daily and billing methods), judged by ASHRAE
Guideline 14-2014. Energy is in kWh, temperatures in °C, degree days in
°C·day; days are local calendar days (``numpy.datetime64[D]`` inside,
``datetime.date`` accepted and returned); every period ``[start, end)``
excludes its end.

Public API
----------
Inputs:

* ``DailyTemperature.from_days(dates, temps)`` / ``.from_hourly(timestamps,
  temps)``: daily mean outdoor temperatures (:mod:`.temperature`).
* ``UsageData.daily(dates, kwh, production=None)`` /
  ``UsageData.billing(starts, ends, kwh, production=None)`` (:mod:`.usage`).

Calculations:

* ``fit_baseline(usage, temperature, options=None, window_start=None,
  window_end=None) -> BaselineResult`` with ``status`` (``fit``, ``unfit``,
  ``insufficient_data``), ``reasons``, ``model`` (:class:`BaselineModel`),
  ``sufficiency``, ``candidates`` (:mod:`.baseline`).
* ``compute_savings(model, reporting_usage, temperature, adjustments=(),
  min_coverage=0.9, confidence=0.9) -> SavingsReport`` (per month or billing
  period, with :class:`NonRoutineAdjustment`), ``convert_energy(kwh,
  ConversionFactors(kgce_per_kwh, tco2_per_mwh, price_per_kwh))``
  (:mod:`.savings`).
* ``forecast_consumption(model, start, temperature_history=... |
  normal_temperatures=..., production_by_month=None, months=12)`` and
  ``forecast_savings(model, start, reporting_model=... | savings_fraction=...,
  ...)`` (:mod:`.forecast`).
* ``prediction_band(model, usage, temperature, method="interval"|"sigma")``,
  ``flag_outside_band(actual, lower, upper)``, ``monitor(...)``
  (:mod:`.monitoring`).
* ``check_sufficiency``, ``goodness_of_fit``, ``guideline14_acceptance``,
  ``fractional_savings_uncertainty``, degree-day and t-distribution helpers.

Every refusal or rejection is a :class:`Reason` (stable ``code`` + ``params``;
English template marked for translation, shown by the Odoo side with
``reason.translated(self.env._)``); bad input raises
:class:`MVError` (a ``ValueError`` with its ``reason``). See :mod:`.reasons`
for the codes.

Formulas
--------
Notation: observation (period) ``i = 1..n`` lasts ``d_i`` days and used
``E_i`` kWh; ``p`` is the number of coefficients *including the intercept*;
``T_d`` is the mean temperature of day ``d``.

Degree days (:mod:`.degree_days`), for a base ``b``:
``HDD_d(b) = max(b - T_d, 0)``, ``CDD_d(b) = max(T_d - b, 0)``; a day without
temperature has none (NaN). Per period, the average per day over the days
with a temperature: ``HDD_i(b) = Σ_d HDD_d(b) / n_T,i``. Hourly to daily:
hourly means, gaps of up to 6 h interpolated linearly, day mean of the
present hours if at least 12 of 24 are present (CalTRACK §2.2.4.1, §2.2.2.3).

Data sufficiency (:mod:`.sufficiency`, CalTRACK §2.2): baseline window of at
least 365 days; ``missing_days = span_days - usable_days`` at most 10 % of the
span; metered days without temperature at most 10 % of the metered days; at
least 12 usable periods; billing periods of 25-35 days; a billing period needs
temperatures on at least 90 % of its days.

Baseline model (:mod:`.baseline`, :mod:`.model`), usage per day
``y_i = E_i / d_i`` regressed with weights ``w_i = d_i`` (OLS for daily
data, where ``d_i = 1``; WLS for billing data, CalTRACK §3.4.2)::

    y_i = μ + β_P · P_i/d_i + β_H · HDD_i(b_H) + β_C · CDD_i(b_C) + ε_i

Candidates: intercept-only, heating, cooling, heating-and-cooling (``b_H <=
b_C``), each with the production term when production is given; balance
points on a grid (default -1..32 °C by 1 °C); a base needs at least
``10 · years`` days with degree days (daily data) and ``11.1 · years``
°C·days (``years = usable days / 365``). A candidate qualifies when ``μ > 0``
and every slope is ``> 0`` with two-sided ``p < 0.1``; the qualified one with
the highest adjusted R² is chosen.

* ``β = (X'WX)⁻¹ X'Wy``; residuals ``e_i = y_i - ŷ_i`` (kWh/day)
* ``SSE = Σ w_i e_i²``; ``σ² = SSE / (n - p)``; ``Cov(β) = σ² (X'WX)⁻¹``
* ``se(β_j) = sqrt(Cov_jj)``; ``t_j = β_j / se(β_j)``;
  ``p_j = P(|T_{n-p}| > |t_j|)``
* ``ȳ_w = Σ w_i y_i / Σ w_i``; ``SST = Σ w_i (y_i - ȳ_w)²``;
  ``R² = 1 - SSE / SST``; ``adjusted R² = 1 - (1 - R²)(n - 1)/(n - p)``

Guideline 14 statistics (:mod:`.statistics`) on period totals ``E_i`` and
``Ê_i = d_i ŷ_i``, ``Ē = Σ E_i / n``:

* ``RMSE = sqrt(Σ (E_i - Ê_i)² / (n - p))``
* ``CV(RMSE) = 100 · RMSE / Ē`` (%)
* ``NMBE = 100 · Σ (E_i - Ê_i) / ((n - p) · Ē)`` (%)
* acceptance: monthly (billing) ``CV(RMSE) <= 15 %`` and ``|NMBE| <= 5 %``;
  hourly ``<= 30 %`` and ``<= 10 %``; daily models take the hourly
  thresholds (Guideline 14 separates monthly from finer-than-monthly data;
  monthly thresholds would reject sound daily models, whose day-to-day
  scatter averages out over a month). A model outside them is ``unfit``.
* lag-1 autocorrelation ``ρ = Σ e'_i e'_{i+1} / Σ e'_i²`` of the centred total
  residuals ``e'``, the sum over adjacent periods only.

Fractional savings uncertainty (Guideline 14-2014 Annex B)::

    ΔE_save / E_save = c · t · CV · sqrt( (n/n') · (1 + 2/n') · (1/m) ) / F

``CV`` = CV(RMSE) / 100; ``t`` two-sided Student's t at the confidence level
(default 90 %) with ``n - p`` degrees of freedom; ``n`` baseline and ``m``
reporting observations (months for billing models, days for daily ones);
``n' = n (1 - ρ) / (1 + ρ)`` (``ρ < 0`` taken as 0; ``ρ = 0`` for monthly
data); ``F`` = savings / adjusted baseline of the reporting period (must be
``> 0``); ``c = 1.26`` for monthly data, 1 otherwise.

Prediction of a period of ``d`` days (:mod:`.model`) and its variance::

    Ê = d · ŷ_day;   Var(Ê) = x' Cov(β) x + d · σ²,   x = d · (1, P/d, HDD, CDD)

Savings (:mod:`.savings`) per period (calendar month for daily data, billing
period for billing data)::

    savings = Σ_used Ê - Σ_used E + Σ non-routine adjustments

over the days (periods) with both usage and temperature; a period is
complete when at least 90 % of its days are used. Equivalents:
``tce = kWh · kgce/kWh / 1000``, ``tCO2 = kWh / 1000 · tCO2/MWh``,
``CNY = kWh · CNY/kWh``.

Forecast (:mod:`.forecast`): normal HDD/CDD of each calendar day = mean over
the history's years of that day's degree days at the model's balance points
(or from supplied normal temperatures); month ``kWh = d · μ + β_P · P + β_H ·
ΣHDD + β_C · ΣCDD``. Expected savings = baseline forecast − reporting-model
forecast, or ``f ·`` baseline forecast for a savings fraction ``f``.

Monitoring band (:mod:`.monitoring`): ``Ê ± t_{(1+c)/2, n-p} · sqrt(Var(Ê))``
(prediction interval) or ``Ê ± z · σ · sqrt(d)``.
"""

from .baseline import (
    DEFAULT_BALANCE_POINTS,
    FIT,
    INSUFFICIENT_DATA,
    UNFIT,
    BaselineOptions,
    BaselineResult,
    CandidateSummary,
    fit_baseline,
)
from .degree_days import cooling_degree_days, heating_degree_days, period_degree_days
from .distributions import t_cdf, t_critical, t_ppf, t_two_sided_p
from .forecast import (
    Forecast,
    ForecastMonth,
    NormalYear,
    SavingsForecast,
    forecast_consumption,
    forecast_savings,
    normal_degree_days,
)
from .model import (
    COOLING,
    HEATING,
    HEATING_COOLING,
    INTERCEPT_ONLY,
    MODEL_TYPES,
    BaselineModel,
    Coefficient,
    Prediction,
)
from .monitoring import Band, MonitoringResult, flag_outside_band, monitor, prediction_band
from .reasons import TEMPLATES, TERM_LABELS, MVError, Reason
from .savings import (
    ConversionFactors,
    EnergyEquivalents,
    NonRoutineAdjustment,
    PeriodSavings,
    SavingsReport,
    compute_savings,
    convert_energy,
)
from .statistics import (
    GUIDELINE14_THRESHOLDS,
    Acceptance,
    GoodnessOfFit,
    SavingsUncertainty,
    fractional_savings_uncertainty,
    goodness_of_fit,
    guideline14_acceptance,
    lag1_autocorrelation,
)
from .sufficiency import Sufficiency, SufficiencyRules, check_sufficiency
from .temperature import DailyTemperature
from .usage import BILLING, DAILY, UsageData
