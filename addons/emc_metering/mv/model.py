"""A fitted baseline model: its coefficients, statistics and predictions.

The model predicts energy use per day from the average degree days per day
and the production per day of a period::

    ŷ_day = μ + β_P · P_day + β_H · HDD(b_H) + β_C · CDD(b_C)

with only the terms of its type (``intercept_only``, ``heating``,
``cooling``, ``heating_cooling``; the production term when it was fitted with
one). A period of ``d`` days whose temperature covers ``d_T`` days predicts
``d · ŷ_day`` kWh, with HDD and CDD averaged over those ``d_T`` days
(CalTRACK 2.0 §3.6.1); the period is not predictable (NaN) when ``d_T <
min_temperature_coverage · d`` or when the model needs a production value
that is missing.

Variance of a predicted period total, used by the prediction intervals::

    Var(Ê) = x' · Cov(β) · x + d · σ²

where ``x = d · (1, P_day, HDD, CDD)`` holds the period's totals of the
model's terms, ``Cov(β) = σ² (X'WX)⁻¹`` is the coefficient covariance of the
fit and ``σ² = sum(w_i e_i²) / (n - p)`` the residual variance of one day's
usage (daily data: ``w_i = 1``; billing data: ``w_i`` = days of the period,
whose usage per day has variance ``σ² / w_i``). The first term is the
uncertainty of the fitted line, the second the scatter of ``d`` days of
actual use around it.

:meth:`BaselineModel.to_dict` gives a JSON-compatible dict that
:meth:`BaselineModel.from_dict` reads back, so the Odoo side can store a model
and compute savings months later without refitting.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

import numpy as np

from ._series import DAY, to_days, to_values
from .degree_days import period_degree_days
from .distributions import t_critical
from .reasons import MVError
from .temperature import DailyTemperature
from .usage import UsageData

__all__ = [
    "COOLING",
    "HEATING",
    "HEATING_COOLING",
    "INTERCEPT_ONLY",
    "MODEL_TYPES",
    "BaselineModel",
    "Coefficient",
    "Prediction",
]

INTERCEPT_ONLY = "intercept_only"
HEATING = "heating"
COOLING = "cooling"
HEATING_COOLING = "heating_cooling"
MODEL_TYPES = (INTERCEPT_ONLY, HEATING, COOLING, HEATING_COOLING)

INTERCEPT, PRODUCTION, HDD, CDD = "intercept", "production", "hdd", "cdd"


@dataclass(frozen=True)
class Coefficient:
    """One fitted coefficient with its standard error, t-statistic and two-sided p-value.

    Units: ``intercept`` kWh/day, ``production`` kWh per unit of production,
    ``hdd``/``cdd`` kWh per °C·day.
    """

    name: str
    value: float
    std_error: float
    t_stat: float
    p_value: float


@dataclass(frozen=True, eq=False)
class Prediction:
    """Predicted kWh of periods, NaN where not predictable (see the module docstring)."""

    starts: np.ndarray
    ends: np.ndarray
    days: np.ndarray
    temperature_days: np.ndarray
    hdd: np.ndarray
    cdd: np.ndarray
    kwh: np.ndarray
    variance: np.ndarray
    df_resid: int
    sigma: float

    @property
    def predictable(self) -> np.ndarray:
        """Mask of the periods with a prediction."""
        return ~np.isnan(self.kwh)

    def interval(self, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """Prediction interval ``kwh ± t · sqrt(variance)``, t two-sided with ``n - p`` df."""
        half = t_critical(confidence, self.df_resid) * np.sqrt(self.variance)
        return self.kwh - half, self.kwh + half

    def sigma_band(self, z: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
        """Band ``kwh ± z · σ · sqrt(days)`` (residual scatter only, no parameter uncertainty)."""
        half = float(z) * self.sigma * np.sqrt(self.days)
        return self.kwh - half, self.kwh + half


@dataclass(frozen=True)
class BaselineModel:
    """A fitted baseline (see the module docstring); built by :func:`.baseline.fit_baseline`.

    ``cv_rmse``, ``nmbe`` (%), ``rmse`` and ``mean_usage`` (kWh) are computed
    on period totals (days for daily data, billing periods for billing data),
    ``r_squared`` and ``adj_r_squared`` on usage per day with the fit's
    weights, ``sigma`` is the residual standard deviation of one day's use
    (kWh), ``autocorrelation`` the lag-1 autocorrelation of the period-total
    residuals over adjacent periods.
    """

    model_type: str
    granularity: str
    heating_balance_point: float | None
    cooling_balance_point: float | None
    coefficients: tuple[Coefficient, ...]
    covariance: tuple[tuple[float, ...], ...]
    n: int
    sigma: float
    r_squared: float
    adj_r_squared: float
    rmse: float
    cv_rmse: float
    nmbe: float
    mean_usage: float
    autocorrelation: float
    baseline_start: _dt.date
    baseline_end: _dt.date
    usable_days: int

    @property
    def p(self) -> int:
        """Number of coefficients, intercept included."""
        return len(self.coefficients)

    @property
    def df_resid(self) -> int:
        """Residual degrees of freedom ``n - p``."""
        return self.n - self.p

    @property
    def terms(self) -> tuple[str, ...]:
        """Names of the coefficients, in design-matrix order."""
        return tuple(c.name for c in self.coefficients)

    @property
    def uses_production(self) -> bool:
        """Whether the model has a production term."""
        return PRODUCTION in self.terms

    def coefficient(self, name: str) -> Coefficient | None:
        """The coefficient called ``name``, or None if the model has no such term."""
        for coefficient in self.coefficients:
            if coefficient.name == name:
                return coefficient
        return None

    # ------------------------------------------------------------------ predictions

    def totals(self, days, production_total, hdd_total, cdd_total) -> tuple[np.ndarray, np.ndarray]:
        """Predicted kWh and its variance from the period totals of the model's terms.

        ``days``, ``hdd_total`` and ``cdd_total`` (°C·day) are arrays of the
        same length; ``production_total`` may be None for a model without a
        production term. Terms the model does not use are ignored.
        """
        days = np.asarray(days, dtype=float)
        columns = {
            INTERCEPT: days,
            HDD: np.asarray(hdd_total, dtype=float),
            CDD: np.asarray(cdd_total, dtype=float),
        }
        if self.uses_production:
            if production_total is None:
                raise MVError("production_required")
            columns[PRODUCTION] = np.asarray(production_total, dtype=float)
        x = np.stack([columns[name] for name in self.terms], axis=-1)
        beta = np.array([c.value for c in self.coefficients])
        cov = np.array(self.covariance)
        kwh = x @ beta
        variance = np.einsum("ni,ij,nj->n", x, cov, x) + days * self.sigma**2
        return kwh, variance

    def predict_periods(
        self,
        starts,
        ends,
        temperature: DailyTemperature,
        production=None,
        *,
        min_temperature_coverage: float = 0.9,
    ) -> Prediction:
        """Predict the periods ``[starts[i], ends[i])``; ``production`` holds period totals."""
        starts = to_days(starts, "period starts")
        ends = to_days(ends, "period ends")
        if ends.size != starts.size:
            raise MVError(
                "length_mismatch", name="period ends", expected=starts.size, got=ends.size
            )
        if production is not None and not self.uses_production:
            raise MVError("production_not_used")
        if self.uses_production and production is None:
            raise MVError("production_required")
        prod = None if production is None else to_values(production, "production", starts.size)
        days = ((ends - starts) / DAY).astype(np.int64)
        if starts.size == 0:
            empty = np.zeros(0)
            return Prediction(
                starts, ends, days, days, empty, empty, empty, empty, self.df_resid, self.sigma
            )
        dd = period_degree_days(
            temperature,
            starts,
            ends,
            [self.heating_balance_point if self.heating_balance_point is not None else 0.0],
            [self.cooling_balance_point if self.cooling_balance_point is not None else 0.0],
        )
        hdd = dd.hdd[0] if self.heating_balance_point is not None else np.zeros(starts.size)
        cdd = dd.cdd[0] if self.cooling_balance_point is not None else np.zeros(starts.size)
        covered = dd.temperature_days >= min_temperature_coverage * days
        if self.heating_balance_point is None and self.cooling_balance_point is None:
            covered = np.ones(starts.size, dtype=bool)  # no weather term: no weather needed
        safe_hdd = np.where(covered, hdd, 0.0)
        safe_cdd = np.where(covered, cdd, 0.0)
        safe_prod = None if prod is None else np.nan_to_num(prod)
        kwh, variance = self.totals(days, safe_prod, days * safe_hdd, days * safe_cdd)
        missing = ~covered if prod is None else ~covered | np.isnan(prod)
        kwh[missing] = np.nan
        variance[missing] = np.nan
        return Prediction(
            starts,
            ends,
            days,
            dd.temperature_days,
            hdd,
            cdd,
            kwh,
            variance,
            self.df_resid,
            self.sigma,
        )

    def predict(
        self,
        usage: UsageData,
        temperature: DailyTemperature,
        *,
        min_temperature_coverage: float = 0.9,
    ) -> Prediction:
        """Predict the periods of ``usage`` (its production is used when the model needs it)."""
        production = usage.production if self.uses_production else None
        if usage.production is not None and not self.uses_production:
            raise MVError("production_not_used")
        return self.predict_periods(
            usage.starts,
            usage.ends,
            temperature,
            production,
            min_temperature_coverage=min_temperature_coverage,
        )

    # ------------------------------------------------------------------ storage

    def to_dict(self) -> dict:
        """JSON-compatible dict (dates as ISO text); :meth:`from_dict` reads it back."""
        return {
            "model_type": self.model_type,
            "granularity": self.granularity,
            "heating_balance_point": self.heating_balance_point,
            "cooling_balance_point": self.cooling_balance_point,
            "coefficients": [
                {
                    "name": c.name,
                    "value": c.value,
                    "std_error": c.std_error,
                    "t_stat": c.t_stat,
                    "p_value": c.p_value,
                }
                for c in self.coefficients
            ],
            "covariance": [list(row) for row in self.covariance],
            "n": self.n,
            "sigma": self.sigma,
            "r_squared": self.r_squared,
            "adj_r_squared": self.adj_r_squared,
            "rmse": self.rmse,
            "cv_rmse": self.cv_rmse,
            "nmbe": self.nmbe,
            "mean_usage": self.mean_usage,
            "autocorrelation": self.autocorrelation,
            "baseline_start": self.baseline_start.isoformat(),
            "baseline_end": self.baseline_end.isoformat(),
            "usable_days": self.usable_days,
        }

    @classmethod
    def from_dict(cls, data: dict) -> BaselineModel:
        """Rebuild a model stored with :meth:`to_dict`."""
        return cls(
            model_type=data["model_type"],
            granularity=data["granularity"],
            heating_balance_point=_optional_float(data["heating_balance_point"]),
            cooling_balance_point=_optional_float(data["cooling_balance_point"]),
            coefficients=tuple(
                Coefficient(
                    c["name"],
                    float(c["value"]),
                    float(c["std_error"]),
                    float(c["t_stat"]),
                    float(c["p_value"]),
                )
                for c in data["coefficients"]
            ),
            covariance=tuple(tuple(float(v) for v in row) for row in data["covariance"]),
            n=int(data["n"]),
            sigma=float(data["sigma"]),
            r_squared=float(data["r_squared"]),
            adj_r_squared=float(data["adj_r_squared"]),
            rmse=float(data["rmse"]),
            cv_rmse=float(data["cv_rmse"]),
            nmbe=float(data["nmbe"]),
            mean_usage=float(data["mean_usage"]),
            autocorrelation=float(data["autocorrelation"]),
            baseline_start=_dt.date.fromisoformat(data["baseline_start"]),
            baseline_end=_dt.date.fromisoformat(data["baseline_end"]),
            usable_days=int(data["usable_days"]),
        )


def _optional_float(value) -> float | None:
    return None if value is None else float(value)
