"""Monitoring: flag consumption outside the band the baseline model expects.

For each period (a day, a billing period...) the model predicts ``Ê`` kWh
(:meth:`.model.BaselineModel.predict`), and the band is one of:

* ``method="interval"`` (default): the prediction interval
  ``Ê ± t · sqrt(Var(Ê))``, ``t`` two-sided at ``confidence`` (default 95 %)
  with ``n - p`` degrees of freedom, ``Var(Ê)`` as in :mod:`.model` (fit
  uncertainty plus the days' scatter);
* ``method="sigma"``: ``Ê ± z · σ · sqrt(d)``, ``σ`` the residual standard
  deviation of one day, ``d`` the days of the period (default ``z = 2``): the
  simple control-chart band, without the fit's uncertainty.

:func:`flag_outside_band` marks each measured value ``+1`` above the band,
``-1`` below it, ``0`` inside it or when the value or the band is missing
(then ``known`` is False): a missing reading is not an anomaly of
consumption, the meter side reports it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import BaselineModel
from .reasons import MVError
from .temperature import DailyTemperature
from .usage import UsageData

__all__ = [
    "ABOVE",
    "BELOW",
    "WITHIN",
    "Band",
    "MonitoringResult",
    "flag_outside_band",
    "monitor",
    "prediction_band",
]

ABOVE, WITHIN, BELOW = 1, 0, -1


@dataclass(frozen=True, eq=False)
class Band:
    """Expected kWh per period with its lower and upper bounds (NaN where unpredictable)."""

    starts: np.ndarray
    ends: np.ndarray
    predicted: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


def prediction_band(
    model: BaselineModel,
    usage: UsageData,
    temperature: DailyTemperature,
    *,
    method: str = "interval",
    confidence: float = 0.95,
    z: float = 2.0,
    min_temperature_coverage: float = 0.9,
) -> Band:
    """The expected band of every period of ``usage`` (module docstring)."""
    prediction = model.predict(
        usage, temperature, min_temperature_coverage=min_temperature_coverage
    )
    if method == "interval":
        if not 0.0 < confidence < 1.0:
            raise MVError("invalid_option", name="confidence", value=confidence)
        lower, upper = prediction.interval(confidence)
    elif method == "sigma":
        if not z > 0:
            raise MVError("invalid_option", name="z", value=z)
        lower, upper = prediction.sigma_band(z)
    else:
        raise MVError("invalid_option", name="method", value=method)
    return Band(prediction.starts, prediction.ends, prediction.kwh, lower, upper)


def flag_outside_band(actual, lower, upper) -> tuple[np.ndarray, np.ndarray]:
    """``(flags, known)``: +1 above, -1 below, 0 inside or unknown; ``known`` where both exist."""
    actual = np.asarray(actual, dtype=float)
    lower = np.asarray(lower, dtype=float)
    upper = np.asarray(upper, dtype=float)
    known = ~(np.isnan(actual) | np.isnan(lower) | np.isnan(upper))
    flags = np.zeros(actual.shape, dtype=np.int8)
    flags[known & (actual > upper)] = ABOVE
    flags[known & (actual < lower)] = BELOW
    return flags, known


@dataclass(frozen=True, eq=False)
class MonitoringResult:
    """Band, measured values and flags of every period."""

    band: Band
    actual: np.ndarray
    flags: np.ndarray
    known: np.ndarray

    @property
    def outside(self) -> np.ndarray:
        """Indexes of the periods outside the band."""
        return np.flatnonzero(self.flags != WITHIN)


def monitor(
    model: BaselineModel, usage: UsageData, temperature: DailyTemperature, **band_options
) -> MonitoringResult:
    """Band of ``usage``'s periods and the flags of its measured kWh (options of :func:`prediction_band`)."""
    band = prediction_band(model, usage, temperature, **band_options)
    flags, known = flag_outside_band(usage.usage, band.lower, band.upper)
    return MonitoringResult(band, usage.usage, flags, known)
