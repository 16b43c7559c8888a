"""Reason codes of the M&V package: why data is refused, a model rejected or unfit.

Every refusal, rejection and input error of the package is a :class:`Reason`:
a stable machine ``code`` (stored by the Odoo models, compared by tests, never
renamed) and ``params``, a dict of JSON-compatible values (numbers, ISO date
strings, short identifiers such as ``"hdd"``). The English text is
``TEMPLATES[code] % params``; the templates use named placeholders only.

Translation: the templates, and the labels of the model terms a ``term``
parameter names (:data:`TERM_LABELS`: ``intercept``, ``production``,
``hdd``, ``cdd``), are wrapped in :func:`_`, an identity marker, so that
Odoo's term extraction (it scans every ``.py`` file of the addon for
``_("...")`` calls) puts them in ``emc_metering.pot``. The Odoo side shows a
reason in the user's language with ``reason.translated(self.env._)``: the
lookup is by source text, and Odoo finds the module (``emc_metering``) from
the calling frame, which is this module's. :attr:`Reason.message` is the
same text in English.

Input errors (malformed series, overlapping periods, an adjustment without an
approver...) raise :class:`MVError`, a ``ValueError`` that carries its
:class:`Reason`, so nothing is silently dropped or guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["TEMPLATES", "TERM_LABELS", "MVError", "Reason"]


def _(text: str) -> str:
    """Mark ``text`` for Odoo's term extraction; returns it unchanged."""
    return text


TEMPLATES: dict[str, str] = {
    # --- data sufficiency of the baseline (refusals) -----------------------
    "baseline_too_short": _(
        "The baseline covers %(days)d days; at least %(min_days)d days are required."
    ),
    "too_many_missing_days": _(
        "%(missing_days)d of the %(days)d baseline days (%(missing_percent).1f %%) have no "
        "usable usage and temperature data; at most %(max_missing_percent).1f %% may be missing."
    ),
    "temperature_coverage": _(
        "%(days_without_temperature)d of the %(days_with_usage)d days with metered usage "
        "(%(missing_percent).1f %%) have no outdoor temperature, between %(first_date)s and "
        "%(last_date)s; import the weather data of these days."
    ),
    "too_few_observations": _(
        "Only %(observations)d usable periods remain; at least %(min_observations)d are required."
    ),
    "no_usable_data": _("No period of the baseline has both usage and temperature data."),
    # --- data sufficiency warnings ------------------------------------------
    "periods_dropped_length": _(
        "%(count)d billing periods were left out because they are shorter than %(min_days)d "
        "or longer than %(max_days)d days."
    ),
    "negative_usage": _("%(count)d periods with negative usage were treated as missing."),
    "zero_usage": _("%(count)d periods with zero usage were treated as missing."),
    # --- candidate model rejection ------------------------------------------
    "intercept_not_positive": _("The base load (intercept) %(value).6g is not positive."),
    "slope_not_positive": _("The coefficient of %(term)s, %(value).6g, is not positive."),
    "slope_not_significant": _(
        "The coefficient of %(term)s is not significant: p = %(p_value).4f, it must be below "
        "%(max_p_value).2f."
    ),
    "degree_days_insufficient": _(
        "No balance point of the grid gives enough %(term)s: at least "
        "%(min_days)d days with degree days and %(min_degree_days).1f degree days are required."
    ),
    "singular_design": _("The regression is singular: its variables are collinear."),
    "no_qualified_model": _(
        "No candidate model has positive and significant coefficients; the baseline cannot be "
        "modelled with these data."
    ),
    # --- ASHRAE Guideline 14 acceptance (unfit) -----------------------------
    "cv_rmse_exceeds": _(
        "CV(RMSE) is %(cv_rmse).2f %%, above the %(max_cv_rmse).1f %% that ASHRAE Guideline 14 "
        "allows for this data interval."
    ),
    "nmbe_exceeds": _(
        "NMBE is %(nmbe).2f %%, beyond the ±%(max_nmbe).1f %% that ASHRAE Guideline 14 allows "
        "for this data interval."
    ),
    # --- savings and uncertainty --------------------------------------------
    "period_coverage": _(
        "Only %(days_used)d of the %(days)d days of the period from %(start)s have usage and "
        "temperature data (%(coverage_percent).1f %%); at least %(min_coverage_percent).1f %% "
        "are required."
    ),
    "no_savings": _(
        "The savings uncertainty needs positive savings; the savings fraction is "
        "%(savings_fraction).4f."
    ),
    # --- input errors (MVError) ---------------------------------------------
    "length_mismatch": _("%(name)s has %(got)d values; %(expected)d were expected."),
    "empty_series": _("%(name)s holds no values."),
    "non_finite_value": _(
        "%(name)s holds an infinite or unreadable value at position %(position)d (counting from 1)."
    ),
    "duplicate_date": _("The date %(date)s appears more than once in %(name)s."),
    "empty_period": _("The period starting %(start)s does not end after its start (%(end)s)."),
    "periods_overlap": _(
        "The period %(start)s to %(end)s overlaps the period that starts %(next_start)s."
    ),
    "invalid_option": _("The option %(name)s has the invalid value %(value)s."),
    "production_required": _(
        "The model uses a production variable; give the production of every period."
    ),
    "production_not_used": _(
        "Production values were given but the model has no production variable."
    ),
    "adjustment_without_reason": _("Non-routine adjustment %(index)d has no reason."),
    "adjustment_without_approver": _("Non-routine adjustment %(index)d has no approver."),
    "adjustment_amount_invalid": _("Non-routine adjustment %(index)d has no finite amount."),
    "adjustment_outside_periods": _(
        "The non-routine adjustment dated %(date)s falls in no reporting period."
    ),
    "normals_incomplete": _(
        "The temperature history lacks %(missing_days)d calendar days (the longest gap is "
        "%(longest_gap)d days, at most %(max_gap)d can be interpolated); a normal year cannot "
        "be built."
    ),
    "normals_length": _("Normal temperatures must have 365 or 366 daily values, not %(got)d."),
    "forecast_start": _("A forecast starts on the first day of a month, not on %(date)s."),
    "forecast_basis": _(
        "Give either a reporting-period model or a savings fraction for the expected savings, "
        "not both and not neither."
    ),
}


TERM_LABELS: dict[str, str] = {
    "intercept": _("base load"),
    "production": _("production"),
    "hdd": _("heating degree days"),
    "cdd": _("cooling degree days"),
}


@dataclass(frozen=True)
class Reason:
    """A machine code with its parameters (see the module docstring)."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self):
        if self.code not in TEMPLATES:
            raise KeyError(f"Unknown M&V reason code {self.code!r}.")
        object.__setattr__(self, "params", dict(self.params))

    @property
    def template(self) -> str:
        """The English template, which is also the translation source text."""
        return TEMPLATES[self.code]

    @property
    def message(self) -> str:
        """The English text, for logs and tests (the UI uses :meth:`translated`)."""
        return self.translated()

    def translated(self, gettext=None) -> str:
        """The text in another language; ``gettext(source)`` translates one source text.

        From an Odoo model: ``reason.translated(self.env._)``. A ``term``
        parameter is replaced by its translated label; the stored ``params``
        keep the code.
        """
        translate = gettext or (lambda text: text)
        params = dict(self.params)
        if params.get("term") in TERM_LABELS:
            params["term"] = translate(TERM_LABELS[params["term"]])
        return translate(self.template) % params

    def to_dict(self) -> dict:
        """JSON-compatible form ``{"code": ..., "params": {...}}``."""
        return {"code": self.code, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, data: Mapping) -> Reason:
        """Inverse of :meth:`to_dict`."""
        return cls(data["code"], data.get("params") or {})


class MVError(ValueError):
    """Bad input to the M&V package; ``reason`` says what and where."""

    def __init__(self, code: str, **params):
        self.reason = Reason(code, params)
        super().__init__(self.reason.message)

    @property
    def code(self) -> str:
        """The reason code (shortcut)."""
        return self.reason.code
