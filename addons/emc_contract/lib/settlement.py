"""Settlement of energy performance contracts (合同能源管理) for one period: savings to money.

This module is deliberately pure Python (standard library only, ``decimal``
for money, no ORM, no numpy): the ``emc.settlement`` model calls
:func:`settle` with plain values read from the contract, its M&V results and
its bills, stores the returned :class:`Statement` and turns its
:attr:`Statement.invoices` into ``account.move`` records; the unit tests run
it without a database. Every input error raises :class:`SettlementError`
with a stable machine ``code`` and JSON-compatible ``params``.

Units and conventions
---------------------
* Money is CNY as :class:`decimal.Decimal`, **tax-exclusive**: no VAT is
  computed here (Odoo's taxes do it on the invoice), and money inputs (fees,
  caps, bills) must be tax-exclusive too.
* Energy is kWh for every carrier (the M&V package works in kWh; a gas
  contract converts its m³ upstream); prices are CNY per kWh.
* Numbers are accepted as ``Decimal``, ``int``, ``str`` or ``float``; a float
  is read through its shortest ``repr`` (``0.1`` is ``Decimal("0.1")``, not
  the binary value). Booleans, NaN and infinities are refused.
* Days are calendar days (``datetime.date``; an ISO ``"YYYY-MM-DD"`` string is
  accepted) and every span ``[start, end)`` **excludes its end**, as in the M&V
  package: a contract of five years from 2024-03-16 has ``date_end =
  2029-03-16``; the March 2025 period is ``[2025-03-01, 2025-04-01)``. An Odoo
  field holding the last day passes that day + 1.
* Shares are fractions in [0, 1] (``0.9`` = 90 %), always the **ESCO's** share.
* Contract years count from the contract's ``date_start``: year 1 is
  ``[date_start, date_start + 1 year)``, year k starts on the (k-1)-th
  anniversary. The anniversary of 29 February in a common year is 1 March.

Contract terms (:class:`Contract`)
----------------------------------
``contract_type`` is one of :data:`CONTRACT_TYPES` (the vocabulary of
``emc_project/lib/finance.py``, GB/T 24915). ``prices`` maps each energy
carrier (a free key such as ``"electricity"``, the Odoo selection value) to a
fixed price or a :class:`TimeOfUse` price. Which further terms each type needs
(anything else given is refused, ``terms_unexpected``, rather than ignored):

================== ======================================================
type               terms
================== ======================================================
shared_savings     ``tiers``
guaranteed_savings ``guarantee``
energy_trusteeship ``trusteeship``; ``tiers`` when it has a cap
financing_lease    ``lease``
hybrid             ``tiers`` and ``guarantee`` (without ``excess_share``)
================== ======================================================

**Tiers** (:class:`Tier`) give the ESCO's share by contract year, e.g. 90 % in
years 1-2 and 70 % in years 3-5: they start at year 1, are contiguous (no gap,
no overlap), and cover every contract year the term touches (the last tier
may be open-ended, ``year_to=None``).

Time of use (:class:`TimeOfUse`)
--------------------------------
Periods are :data:`TOU_PERIODS` (尖峰 critical peak, 高峰 peak, 平段 flat, 低谷
valley, 深谷 deep valley), each with its price. The verified savings of a TOU
carrier are split by period from, in this order of precedence:

1. ``CarrierSavings.tou_kwh``: the savings measured per TOU period (their sum
   is the carrier's savings; ``kwh``, when also given, must match it within
   0.001 kWh per part);
2. ``CarrierSavings.tou_weights``: the period's own profile;
3. ``TimeOfUse.profile``: the contract's agreed profile.

Weights (2, 3) are any non-negative numbers with a positive sum, normalised
by their sum: shares (0.1, 0.4, ...) and kWh per period (the reporting
consumption per TOU period, e.g. from :func:`tou_weights_from_hourly`) both
work. A TOU period appears on the statement when it is a key of the split
used (a weight of 0 gives a line of 0 kWh). ``TimeOfUse.hours`` (optional)
states the schedule; when given it must cover the day exactly once. It is
used by :func:`tou_weights_from_hourly` and copied into the lines' params.
The schedule is the one in force for the period: a seasonal schedule (尖峰
only in summer months) is the caller's choice of ``TimeOfUse`` per period.

Periods, partial periods and tier boundaries
--------------------------------------------
:func:`settle` takes the **nominal** settlement period (a whole calendar month,
quarter, contract year... never clipped to the contract). The contract's
days in it (``contract_days``) are the period's days inside ``[date_start,
date_end)``; a period with none is refused (``period_outside_contract``).

* Measured figures (savings, energy and baseline costs) are those of the
  whole period, and are prorated to the contract's days: ``x * contract_days
  / days``. When they already cover only the contract's days (an M&V period
  clipped to the contract), pass ``measured_within_contract=True``.
* Fixed per-period terms (a trusteeship fee or cap, a guarantee per period)
  are always prorated to ``contract_days / days``.
* The contract's days are cut at every contract-year anniversary; consecutive
  pieces under the same tier are merged into one *span*. Savings (each TOU
  part separately) and below-cap savings are divided between spans, and the
  days outside the contract, in proportion to days (pro rata temporis); each
  span is valued at its tier's share.

Settlement per contract type
----------------------------
*S* is a carrier's verified savings (M&V: adjusted baseline − reporting
consumption + non-routine adjustments) for the contract's days, *p* its price.
Lines say who owes whom (``direction``, :data:`CLIENT_TO_ESCO` or
:data:`ESCO_TO_CLIENT`); their ``amount`` is signed (negative reduces what is
owed in that direction).

* ``shared_savings`` (节能效益分享型): one ``savings_share`` line (TOU:
  ``savings_share_tou``) per carrier, span and TOU period: gross = kWh × p,
  amount = gross × tier share, client → ESCO. Negative savings give negative
  lines (they reduce the ESCO's share of the other carriers).
* ``guaranteed_savings`` (节能量保证型): ``Guarantee.kwh`` per carrier is per
  period (``per="period"``, prorated to the contract's days) or per contract
  year (``per="year"``: annual × days / days of that contract year, summed
  over the contract years the period touches). One line per guaranteed
  carrier: ``guarantee_shortfall`` (G − S) × the shortfall price (the penalty
  rate ``shortfall_prices[carrier]``, else p), ESCO → client;
  ``guarantee_excess`` (S − G) × p × ``excess_share``, client → ESCO, or
  ``guarantee_excess_client`` (0, the excess is kept by the client) when
  ``excess_share`` is None; ``guarantee_met`` (0) when S = G. For a TOU
  carrier p is its average price Σ wᵢ pᵢ / Σ wᵢ (6 decimals) with the weights
  of its split (measured kWh only when none is negative and their sum is
  positive, else the ``TimeOfUse.profile``); when neither serves, code
  ``average_price_undefined``. Savings of a carrier that is not guaranteed
  are refused (``carrier_not_guaranteed``).
* ``energy_trusteeship`` (能源费用托管型): the client keeps paying its energy
  bills and pays the ESCO a trusteeship fee: ``trusteeship_fee`` (the fixed
  ``fee`` per period × contract_days / days) or ``trusteeship_fee_share``
  (``fee_share`` × the period's baseline energy cost, from
  :class:`TrusteeshipCosts`), client → ESCO. With a ``cap`` (per period,
  prorated) and the period's actual energy cost C: ``cost_above_cap`` C − cap
  borne by the ESCO, ESCO → client; else the saving below the cap, cap − C,
  divided between spans by days, ``saving_below_cap`` × tier share, client →
  ESCO; ``cost_at_cap`` (0) when C = cap.
* ``financing_lease`` (融资租赁型): the instalments of :func:`lease_schedule`
  whose lease period ends in the settlement period (``start < due <= end``),
  each as ``lease_interest`` and ``lease_principal``, client → ESCO. Every
  instalment must fall due after the contract's start and by its end
  (``lease_outside_contract``). Savings are the client's and are not needed.
  Lease instalments are not prorated.
* ``hybrid`` (混合型): the ``shared_savings`` lines plus a guaranteed floor:
  the ``guaranteed_savings`` shortfall line per guaranteed carrier (the ESCO
  pays G − S back and still earns its share of S), or ``guarantee_met`` when
  S >= G (the excess is already shared by the tiers, so ``excess_share`` is
  refused).

Balance, negative totals and invoices
-------------------------------------
``total_client_to_esco`` and ``total_esco_to_client`` are the sums of the
lines' amounts in each direction (``carry_in``, a negative balance carried
from the previous statement, is a client → ESCO line ``carried_forward``).
Amounts owed to the client are never negative. When the client → ESCO total
is negative (negative savings under shared savings), nobody owes it: per
``Contract.negative_balance`` it is ``waived`` (``"waive"``, the ESCO bears it)
or returned as ``carry_out`` (``"carry_forward"``) for the next statement's
``carry_in``; the client → ESCO side then counts as 0.

Invoices are what Odoo must post, from the ESCO's point of view, never for a
negative or zero amount. With ``Contract.netting`` (default) both directions
are netted into at most one move: ``out_invoice`` (customer invoice) when the
client owes the ESCO, else ``Contract.esco_payment_move`` (``out_refund``,
a credit note, by default; ``in_invoice``, a vendor bill, when the client
invoices the compensation). Without netting each direction gets its own move.
Each :class:`Invoice` lists its statement lines with amounts signed in its own
direction; they add up to its amount. ``due_to_esco`` and ``due_to_client``
are the invoices' totals per direction (0 when nothing is owed).

Rounding (to the fen, 0.01 CNY, ``ROUND_HALF_UP``: halves away from zero)
---------------------------------------------------------------------------
Only at these points:

1. kWh to 0.001: a carrier's savings (and each measured TOU part) on input;
   a guarantee for the period. Divisions of kWh between TOU periods, spans
   and the days outside the contract use the largest-remainder method, so
   the parts add up exactly to the whole.
2. Money inputs (fees, caps, costs) to the fen; prorated fixed terms and
   prorated costs to the fen; divisions of money between spans by largest
   remainder, to the fen.
3. A line's gross value (kWh × price) to the fen; its amount (gross × share)
   to the fen, from the rounded gross, so that every figure on a statement can
   be recomputed by hand from the figures shown.
4. TOU average prices to 0.000001 CNY/kWh.
5. Lease figures to the fen per instalment; the last instalment's principal
   is the remaining balance, so it absorbs the rounding.

Totals are sums of rounded line amounts and are never rounded again: the sum
of the lines is the statement total (rounding the exact total could differ).

Errors
------
:class:`SettlementError` has ``code`` (one of :data:`TEMPLATES`: never renamed,
the Odoo side maps it) and ``params``; ``str(error)`` is the English text.
The templates and line descriptions are wrapped in :func:`_`, an identity
marker, so that Odoo's term extraction puts them in ``emc_contract.pot``;
:meth:`SettlementError.translated` and :meth:`Line.description` take the
translation function (``self.env._`` from a model).
"""

from __future__ import annotations

import calendar
import datetime
import functools
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

__all__ = [
    "CLIENT_TO_ESCO",
    "CONTRACT_TYPES",
    "CONTRACT_TYPE_LABELS",
    "ESCO_TO_CLIENT",
    "LINE_TEMPLATES",
    "MOVE_TYPES",
    "TEMPLATES",
    "TERMS_LABELS",
    "TOU_LABELS",
    "TOU_PERIODS",
    "CarrierSavings",
    "CarrierSummary",
    "Contract",
    "Guarantee",
    "Instalment",
    "Invoice",
    "Lease",
    "Line",
    "SettlementError",
    "Statement",
    "Tier",
    "TimeOfUse",
    "Trusteeship",
    "TrusteeshipCosts",
    "contract_year",
    "lease_schedule",
    "round_fen",
    "settle",
    "tou_weights_from_hourly",
    "validate_contract",
]


def _(text: str) -> str:
    """Mark ``text`` for Odoo's term extraction; returns it unchanged."""
    return text


CONTRACT_TYPES: tuple[str, ...] = (
    "shared_savings",
    "guaranteed_savings",
    "energy_trusteeship",
    "financing_lease",
    "hybrid",
)

TOU_PERIODS: tuple[str, ...] = ("critical", "peak", "flat", "valley", "deep_valley")

CONTRACT_TYPE_LABELS: dict[str, str] = {
    "shared_savings": _("shared savings"),
    "guaranteed_savings": _("guaranteed savings"),
    "energy_trusteeship": _("energy cost trusteeship"),
    "financing_lease": _("financing lease"),
    "hybrid": _("hybrid"),
}

#: Names of the contract terms that ``terms_missing`` / ``terms_unexpected`` name.
TERMS_LABELS: dict[str, str] = {
    "tiers": _("sharing tiers"),
    "guarantee": _("guarantee"),
    "trusteeship": _("trusteeship"),
    "lease": _("lease"),
}

TOU_LABELS: dict[str, str] = {
    "critical": _("critical peak"),
    "peak": _("peak"),
    "flat": _("flat"),
    "valley": _("valley"),
    "deep_valley": _("deep valley"),
}

CLIENT_TO_ESCO = "client_to_esco"
ESCO_TO_CLIENT = "esco_to_client"

#: Odoo ``account.move.move_type`` values an :class:`Invoice` may carry.
MOVE_TYPES: tuple[str, ...] = ("out_invoice", "out_refund", "in_invoice")

FEN = Decimal("0.01")
KWH = Decimal("0.001")
PRICE = Decimal("0.000001")
_ZERO = Decimal(0)
_NIL = Decimal("0.00")
_ONE = Decimal(1)
_DAY = datetime.timedelta(days=1)

TEMPLATES: dict[str, str] = {
    "bad_contract_type": _(
        "Unknown contract type %(contract_type)s; choose shared savings, guaranteed savings, "
        "energy cost trusteeship, financing lease or hybrid."
    ),
    "bad_date": _("%(name)s must be a date, not %(value)s."),
    "bad_contract_dates": _(
        "The contract must end after it starts (start %(start)s, end %(end)s)."
    ),
    "bad_period": _("The settlement period must end after it starts (%(start)s to %(end)s)."),
    "period_outside_contract": _(
        "The settlement period %(start)s to %(end)s has no day inside the contract, which "
        "runs from %(contract_start)s to %(contract_end)s."
    ),
    "bad_number": _("%(name)s must be a finite number, not %(value)s."),
    "negative_amount": _("%(name)s cannot be negative (%(value)s)."),
    "negative_price": _("The price %(price)s of %(name)s cannot be negative."),
    "bad_share": _("%(name)s must be a share between 0 and 1 (0 %% to 100 %%), not %(value)s."),
    "bad_option": _("%(name)s cannot be %(value)s."),
    "bad_carrier": _("%(value)s is not a valid energy carrier."),
    "duplicate_carrier": _("The energy carrier %(carrier)s is given more than once."),
    "price_missing": _("The contract has no price for %(carrier)s."),
    "bad_tou_period": _("%(period)s is not a time-of-use period."),
    "tou_prices_missing": _("The time-of-use price of %(carrier)s has no period price."),
    "tou_price_missing": _("The time-of-use price of %(carrier)s has no %(period)s price."),
    "tou_hours_invalid": _(
        "The time-of-use hours %(value)s are not a valid range (HH:MM to HH:MM)."
    ),
    "tou_hours_overlap": _("Two time-of-use ranges both cover %(time)s."),
    "tou_hours_missing": _("The time-of-use price has no hours."),
    "bad_hourly_values": _(
        "Hourly values must cover whole days (24 a day from 00:00), not %(count)d values."
    ),
    "tou_hours_gap": _("No time-of-use range covers %(time)s."),
    "tou_split_missing": _(
        "The savings of %(carrier)s must be split by time-of-use period, or a profile given."
    ),
    "tou_split_mismatch": _(
        "The time-of-use parts of %(carrier)s add up to %(split_kwh)s kWh, not the %(kwh)s kWh "
        "of verified savings."
    ),
    "tou_split_twice": _(
        "Give the savings of %(carrier)s split by time-of-use period or the weights to split "
        "them, not both."
    ),
    "bad_tou_weights": _(
        "The time-of-use weights of %(carrier)s must be non-negative with a positive sum."
    ),
    "average_price_undefined": _(
        "No average time-of-use price of %(carrier)s can be taken from these savings; give a "
        "shortfall price or a time-of-use profile."
    ),
    "savings_missing": _("The verified savings of %(carrier)s for the period are missing."),
    "no_savings": _("The period has no verified savings to settle."),
    "carrier_not_guaranteed": _("The contract guarantees no savings of %(carrier)s."),
    "tiers_missing": _("The contract has no sharing tiers."),
    "bad_tier": _(
        "Sharing tier %(index)d must run from a contract year of 1 or more to a later or equal "
        "year."
    ),
    "tiers_overlap": _("Two sharing tiers both cover contract year %(year)d."),
    "tiers_gap": _("No sharing tier covers contract year %(year)d."),
    "terms_missing": _("A %(contract_type)s contract needs its %(terms)s terms."),
    "terms_unexpected": _("A %(contract_type)s contract has no %(terms)s terms."),
    "guarantee_empty": _("The guarantee names no energy carrier."),
    "excess_share_in_hybrid": _(
        "A hybrid contract shares all savings by its tiers; its guarantee has no excess share."
    ),
    "trusteeship_fee_terms": _(
        "The trusteeship needs either a fixed fee or a share of the baseline cost, not both "
        "and not neither."
    ),
    "energy_cost_missing": _("The energy cost of the period is needed to apply the cap."),
    "baseline_cost_missing": _(
        "The baseline energy cost of the period is needed for the trusteeship fee."
    ),
    "bad_instalments": _("The lease must have a whole number of instalments of 1 or more."),
    "costs_unexpected": _("Energy costs are only settled under energy cost trusteeship."),
    "lease_outside_contract": _(
        "The lease instalments fall due from %(first_due)s to %(last_due)s, not all after the "
        "contract's start %(contract_start)s and by its end %(contract_end)s."
    ),
    "bad_carry": _("The carried balance must be zero or negative, not %(value)s."),
}

LINE_TEMPLATES: dict[str, str] = {
    "savings_share": _(
        "%(carrier)s savings %(kwh)s kWh × %(price)s CNY/kWh = %(gross)s CNY, ESCO share "
        "%(share_percent)s %% (contract years %(years)s), %(days)d days from %(start)s"
    ),
    "savings_share_tou": _(
        "%(carrier)s %(tou)s savings %(kwh)s kWh × %(price)s CNY/kWh = %(gross)s CNY, ESCO share "
        "%(share_percent)s %% (contract years %(years)s), %(days)d days from %(start)s"
    ),
    "guarantee_shortfall": _(
        "%(carrier)s savings %(verified_kwh)s kWh below the guaranteed %(guaranteed_kwh)s kWh: "
        "shortfall %(kwh)s kWh × %(price)s CNY/kWh, paid by the ESCO"
    ),
    "guarantee_excess": _(
        "%(carrier)s savings %(verified_kwh)s kWh above the guaranteed %(guaranteed_kwh)s kWh: "
        "excess %(kwh)s kWh × %(price)s CNY/kWh = %(gross)s CNY, ESCO share %(share_percent)s %%"
    ),
    "guarantee_excess_client": _(
        "%(carrier)s savings %(verified_kwh)s kWh above the guaranteed %(guaranteed_kwh)s kWh: "
        "the excess %(kwh)s kWh is the client's"
    ),
    "guarantee_met": _(
        "%(carrier)s savings %(verified_kwh)s kWh meet the guaranteed %(guaranteed_kwh)s kWh"
    ),
    "trusteeship_fee": _(
        "Trusteeship fee %(gross)s CNY for the period, %(days)d of %(period_days)d days"
    ),
    "trusteeship_fee_share": _(
        "Trusteeship fee: %(share_percent)s %% of the baseline energy cost %(gross)s CNY"
    ),
    "cost_above_cap": _(
        "Energy cost %(cost)s CNY above the cap of %(cap)s CNY: %(gross)s CNY borne by the ESCO"
    ),
    "saving_below_cap": _(
        "Energy cost %(cost)s CNY below the cap of %(cap)s CNY: %(gross)s CNY, ESCO share "
        "%(share_percent)s %% (contract years %(years)s), %(days)d days from %(start)s"
    ),
    "cost_at_cap": _("Energy cost %(cost)s CNY equal to the cap"),
    "lease_interest": _(
        "Lease instalment %(number)d of %(count)d, due %(due)s: interest on %(balance)s CNY"
    ),
    "lease_principal": _("Lease instalment %(number)d of %(count)d, due %(due)s: principal"),
    "carried_forward": _("Negative balance carried forward from the previous statement"),
}


class SettlementError(ValueError):
    """Bad input to the settlement: ``code`` (a :data:`TEMPLATES` key) and ``params``.

    ``params`` holds JSON-compatible values (numbers as text, ISO dates,
    carrier and TOU keys) for the template. It subclasses ValueError so that
    generic callers still see a value error.
    """

    def __init__(self, code: str, params: Mapping[str, object] | None = None) -> None:
        if code not in TEMPLATES:
            raise KeyError(f"Unknown settlement error code {code!r}.")
        self.code = code
        self.params = dict(params or {})
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The English text, for logs and tests (the UI uses :meth:`translated`)."""
        return self.translated()

    def translated(self, gettext=None) -> str:
        """The text in another language; ``gettext(source)`` translates one source text.

        From an Odoo model: ``error.translated(self.env._)``. The ``period``,
        ``contract_type`` and ``terms`` parameters, when they name a TOU
        period, a contract type or terms, are replaced by their translated
        labels; the stored ``params`` keep the keys.
        """
        translate = gettext or (lambda text: text)
        params = dict(self.params)
        for name, labels in (
            ("period", TOU_LABELS),
            ("contract_type", CONTRACT_TYPE_LABELS),
            ("terms", TERMS_LABELS),
        ):
            if params.get(name) in labels:
                params[name] = translate(labels[params[name]])
        return translate(TEMPLATES[self.code]) % params

    def to_dict(self) -> dict:
        """JSON-compatible form ``{"code": ..., "params": {...}}``."""
        return {"code": self.code, "params": dict(self.params)}


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    """The ESCO's ``share`` of the savings in contract years ``year_from``..``year_to``.

    Both years are 1-based and included; ``year_to=None`` leaves the tier open
    to the end of the contract.
    """

    year_from: int
    year_to: int | None
    share: object

    @property
    def years(self) -> str:
        """The years as shown on statements: ``"1-2"``, ``"3"``, ``"6-"``."""
        if self.year_to is None:
            return f"{self.year_from}-"
        if self.year_to == self.year_from:
            return str(self.year_from)
        return f"{self.year_from}-{self.year_to}"


@dataclass(frozen=True)
class TimeOfUse:
    """A time-of-use price (see the module docstring).

    ``prices`` maps :data:`TOU_PERIODS` to CNY/kWh; ``hours`` is a sequence
    of ``(period, "HH:MM", "HH:MM")`` ranges (end excluded, ``"24:00"``
    allowed, a range ending before it starts runs over midnight); ``profile``
    maps TOU periods to weights, the contract's split of unsplit savings.
    """

    prices: Mapping[str, object]
    hours: Sequence[tuple[str, str, str]] = ()
    profile: Mapping[str, object] | None = None


@dataclass(frozen=True)
class Guarantee:
    """Guaranteed savings: ``kwh`` per carrier, ``per`` period or contract year.

    ``shortfall_prices`` (CNY/kWh per carrier, optional) is the penalty rate
    a shortfall is valued at instead of the carrier's price; ``excess_share``
    is the ESCO's share of savings above the guarantee, None when the excess
    is kept by the client.
    """

    kwh: Mapping[str, object]
    per: str = "period"
    shortfall_prices: Mapping[str, object] = field(default_factory=dict)
    excess_share: object = None


@dataclass(frozen=True)
class Trusteeship:
    """Energy cost trusteeship: ``fee`` (CNY per period) or ``fee_share`` of the baseline cost.

    ``cap`` is the energy-cost cap per period (CNY), None for none.
    """

    fee: object = None
    fee_share: object = None
    cap: object = None


@dataclass(frozen=True)
class Lease:
    """Financing lease: ``principal`` repaid over ``instalments`` at ``annual_rate``.

    The rate per instalment is the nominal ``annual_rate / periods_per_year``
    (``periods_per_year`` one of 1, 2, 3, 4, 6, 12); ``method`` is
    ``"annuity"`` (level payments) or ``"equal_principal"``. Instalments are
    paid in arrears: instalment i falls due ``i * 12 / periods_per_year``
    months after ``date_start`` (the contract's start when None).
    """

    principal: object
    annual_rate: object
    instalments: int
    periods_per_year: int = 12
    method: str = "annuity"
    date_start: object = None


@dataclass(frozen=True)
class Contract:
    """The terms of a contract in force for the settled period (module docstring)."""

    contract_type: str
    date_start: object
    date_end: object
    prices: Mapping[str, object] = field(default_factory=dict)
    tiers: Sequence[Tier] = ()
    guarantee: Guarantee | None = None
    trusteeship: Trusteeship | None = None
    lease: Lease | None = None
    negative_balance: str = "waive"
    esco_payment_move: str = "out_refund"
    netting: bool = True


@dataclass(frozen=True)
class CarrierSavings:
    """Verified savings of one carrier for the period (M&V), in kWh.

    ``kwh`` is the M&V ``savings_kwh`` (adjusted baseline − reporting +
    non-routine adjustments; None when M&V has no figures, which is refused
    unless ``tou_kwh`` gives them); ``non_routine_kwh`` the part of it due
    to non-routine adjustments, shown on the statement. ``tou_kwh`` and
    ``tou_weights`` split a TOU carrier (module docstring); at most one.
    """

    carrier: str
    kwh: object = None
    non_routine_kwh: object = 0
    tou_kwh: Mapping[str, object] | None = None
    tou_weights: Mapping[str, object] | None = None


@dataclass(frozen=True)
class TrusteeshipCosts:
    """Energy costs of the period in CNY, tax-exclusive (trusteeship contracts).

    ``energy_cost``: the actual energy bills (needed with a cap);
    ``baseline_cost``: the adjusted baseline valued at the contract's prices
    (needed for a fee that is a share of it).
    """

    energy_cost: object = None
    baseline_cost: object = None


# --------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------


def _text(value) -> object:
    """A JSON-compatible copy of a line or statement value."""
    if isinstance(value, Decimal):
        return _fmt(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Tier):
        return {"year_from": value.year_from, "year_to": value.year_to, "share": _fmt(value.share)}
    if isinstance(value, Mapping):
        return {k: _text(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_text(v) for v in value]
    return value


@dataclass(frozen=True)
class Line:
    """One statement line; fields that do not apply to its ``key`` are None.

    ``amount`` (fen, signed) is owed in ``direction``; ``gross`` is the value
    the share or day fraction applies to; ``days`` are the line's days from
    ``start`` to ``end`` (excluded); ``tier`` the tier in force.
    """

    key: str
    params: Mapping[str, object]
    direction: str
    amount: Decimal
    carrier: str | None = None
    tou: str | None = None
    kwh: Decimal | None = None
    price: Decimal | None = None
    gross: Decimal | None = None
    share: Decimal | None = None
    tier: Tier | None = None
    days: int | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None

    def description(self, gettext=None, carrier_labels: Mapping[str, str] | None = None) -> str:
        """The line's text in the reader's language (``gettext`` as for errors).

        ``carrier_labels`` maps carrier keys to their (translated) names, e.g.
        the Odoo selection's labels; a carrier without one shows its key.
        """
        translate = gettext or (lambda text: text)
        params = dict(self.params)
        if "carrier" in params:
            params["carrier"] = (carrier_labels or {}).get(params["carrier"], params["carrier"])
        if params.get("tou") in TOU_LABELS:
            params["tou"] = translate(TOU_LABELS[params["tou"]])
        return translate(LINE_TEMPLATES[self.key]) % params

    def to_dict(self) -> dict:
        """JSON-compatible form (Decimals as text, dates ISO)."""
        return {
            "key": self.key,
            "params": dict(self.params),
            "direction": self.direction,
            "amount": _fmt(self.amount),
            "carrier": self.carrier,
            "tou": self.tou,
            "kwh": _text(self.kwh),
            "price": _text(self.price),
            "gross": _text(self.gross),
            "share": _text(self.share),
            "tier": _text(self.tier),
            "days": self.days,
            "start": _text(self.start),
            "end": _text(self.end),
        }


@dataclass(frozen=True)
class CarrierSummary:
    """A carrier's verified savings: as given (whole period) and settled (contract's days)."""

    carrier: str
    kwh: Decimal
    non_routine_kwh: Decimal
    settled_kwh: Decimal


@dataclass(frozen=True)
class Invoice:
    """A move Odoo must post: ``move_type`` (:data:`MOVE_TYPES`), ``amount`` > 0.

    ``direction`` is who pays; ``lines`` are ``(statement line index, amount
    signed in this direction)``, adding up to ``amount``.
    """

    move_type: str
    direction: str
    amount: Decimal
    lines: tuple[tuple[int, Decimal], ...]


@dataclass(frozen=True)
class Instalment:
    """One lease instalment; ``balance`` is the principal still owed after it."""

    number: int
    due: datetime.date
    payment: Decimal
    interest: Decimal
    principal: Decimal
    balance: Decimal


@dataclass(frozen=True)
class Statement:
    """The settlement of one contract for one period (module docstring)."""

    contract_type: str
    start: datetime.date
    end: datetime.date
    days: int
    contract_days: int
    lines: tuple[Line, ...]
    carriers: tuple[CarrierSummary, ...]
    total_client_to_esco: Decimal
    total_esco_to_client: Decimal
    waived: Decimal
    carry_out: Decimal
    invoices: tuple[Invoice, ...]

    @property
    def due_to_esco(self) -> Decimal:
        """What the client owes the ESCO after netting (0 when nothing)."""
        return sum((i.amount for i in self.invoices if i.direction == CLIENT_TO_ESCO), _NIL)

    @property
    def due_to_client(self) -> Decimal:
        """What the ESCO owes the client after netting (0 when nothing)."""
        return sum((i.amount for i in self.invoices if i.direction == ESCO_TO_CLIENT), _NIL)

    def to_dict(self) -> dict:
        """JSON-compatible form, for storing on the settlement record."""
        return {
            "contract_type": self.contract_type,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "days": self.days,
            "contract_days": self.contract_days,
            "lines": [line.to_dict() for line in self.lines],
            "carriers": [
                {
                    "carrier": c.carrier,
                    "kwh": _fmt(c.kwh),
                    "non_routine_kwh": _fmt(c.non_routine_kwh),
                    "settled_kwh": _fmt(c.settled_kwh),
                }
                for c in self.carriers
            ],
            "total_client_to_esco": _fmt(self.total_client_to_esco),
            "total_esco_to_client": _fmt(self.total_esco_to_client),
            "waived": _fmt(self.waived),
            "carry_out": _fmt(self.carry_out),
            "due_to_esco": _fmt(self.due_to_esco),
            "due_to_client": _fmt(self.due_to_client),
            "invoices": [
                {
                    "move_type": i.move_type,
                    "direction": i.direction,
                    "amount": _fmt(i.amount),
                    "lines": [[index, _fmt(amount)] for index, amount in i.lines],
                }
                for i in self.invoices
            ],
        }


# --------------------------------------------------------------------------
# Numbers and dates
# --------------------------------------------------------------------------


def _fmt(value: Decimal) -> str:
    """Fixed-point text of a Decimal (never an exponent, no negative zero)."""
    if value == 0:
        value = abs(value)
    return format(value, "f")


def _dec(value, name: str) -> Decimal:
    """``value`` as a finite Decimal (module docstring: floats through repr)."""
    kind = type(value)
    # exact types first: this runs a dozen times per settlement
    if kind is Decimal:
        number = value
    elif kind is int:
        return Decimal(value)
    elif kind is str:
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            number = None
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, bool) or value is None:
        number = None
    elif isinstance(value, numbers.Integral):
        number = Decimal(int(value))
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            number = None
    else:
        number = None
    if number is None or not number.is_finite():
        raise SettlementError("bad_number", {"name": name, "value": str(value)})
    return number


def _non_negative(value, name: str) -> Decimal:
    number = _dec(value, name)
    if number < 0:
        raise SettlementError("negative_amount", {"name": name, "value": _fmt(number)})
    return number


def _share(value, name: str) -> Decimal:
    number = _dec(value, name)
    if not 0 <= number <= 1:
        raise SettlementError("bad_share", {"name": name, "value": _fmt(number)})
    return number


def _price(value, name: str) -> Decimal:
    number = _dec(value, f"price of {name}")
    if number < 0:
        raise SettlementError("negative_price", {"name": name, "price": _fmt(number)})
    return number


def round_fen(value: Decimal) -> Decimal:
    """``value`` rounded to the fen (0.01 CNY), halves away from zero (ROUND_HALF_UP).

    Never a negative zero (``-0.004`` gives ``0.00``), which a report would show as -0.00.
    """
    return value.quantize(FEN, rounding=ROUND_HALF_UP) + 0


def _round_kwh(value: Decimal) -> Decimal:
    return value.quantize(KWH, rounding=ROUND_HALF_UP) + 0


def _date(value, name: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        raise SettlementError("bad_date", {"name": name, "value": value.isoformat()})
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise SettlementError("bad_date", {"name": name, "value": str(value)})


def _choice(value, options: Iterable, name: str):
    if value not in tuple(options):
        raise SettlementError("bad_option", {"name": name, "value": str(value)})
    return value


def _anniversary(start: datetime.date, years: int) -> datetime.date:
    """``start`` plus whole ``years``; 29 February goes to 1 March in a common year."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return datetime.date(start.year + years, 3, 1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus ``months``, clamped to the end of a shorter month (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def contract_year(date_start, day) -> int:
    """The 1-based contract year of ``day`` for a contract starting ``date_start``.

    Days before the start are in year 0 or below; raises ``bad_date``.
    """
    start = _date(date_start, "date_start")
    day = _date(day, "day")
    year = day.year - start.year
    if _anniversary(start, year) > day:
        year -= 1
    return year + 1


def _apportion(total: Decimal, weights: Sequence, quantum: Decimal) -> list[Decimal]:
    """Divide ``total`` (a multiple of ``quantum``) in proportion to ``weights``.

    Largest-remainder method in integer arithmetic: each part gets the whole
    quanta of its exact share, and the quanta left go one each to the parts
    with the largest remainders (the first on ties). The parts add up exactly
    to ``total``, a zero weight gets exactly 0 and a negative total is divided
    like its opposite. ``weights`` are non-negative with a positive sum.
    """
    if all(type(w) is int for w in weights):  # days: the usual case
        integers = weights
    else:
        exponent = min(Decimal(w).as_tuple().exponent for w in weights)
        scale = Decimal(1).scaleb(-exponent) if exponent < 0 else _ONE
        integers = [int(Decimal(w) * scale) for w in weights]
    whole = sum(integers)
    units = int(total / quantum)
    sign, units = (-1, -units) if units < 0 else (1, units)
    parts = []
    remainders = []
    for index, w in enumerate(integers):
        q, r = divmod(units * w, whole)
        parts.append(q)
        remainders.append((-r, index))
    for _r, index in sorted(remainders)[: units - sum(parts)]:
        parts[index] += 1
    return [quantum * (sign * p) for p in parts]


# --------------------------------------------------------------------------
# Validated terms
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tou:
    prices: dict[str, Decimal]
    hours: tuple[tuple[str, int, int], ...]  # (period, first minute, end minute), end excluded
    profile: dict[str, Decimal] | None


@dataclass(frozen=True)
class _Terms:
    contract_type: str
    date_start: datetime.date
    date_end: datetime.date
    prices: dict[str, Decimal | _Tou]
    tiers: tuple[Tier, ...]
    guarantee: Guarantee | None
    guarantee_kwh: dict[str, Decimal]
    shortfall_prices: dict[str, Decimal]
    excess_share: Decimal | None
    fee: Decimal | None
    fee_share: Decimal | None
    cap: Decimal | None
    lease: tuple | None
    lease_start: datetime.date | None
    source: Contract


_REQUIRED = {
    "shared_savings": ("tiers",),
    "guaranteed_savings": ("guarantee",),
    "energy_trusteeship": ("trusteeship",),
    "financing_lease": ("lease",),
    "hybrid": ("tiers", "guarantee"),
}


def _minutes(text, period: str) -> int:
    try:
        hours, minutes = str(text).split(":")
        value = int(hours) * 60 + int(minutes)
        ok = len(minutes) == 2 and 0 <= int(minutes) < 60 and 0 <= value <= 1440
    except ValueError:
        ok = False
    if not ok:
        raise SettlementError("tou_hours_invalid", {"value": f"{period} {text}"})
    return value


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _tou_hours(ranges, prices: Mapping[str, Decimal], carrier: str) -> tuple:
    """Validated hours: every minute of the day in exactly one priced period."""
    if not ranges:
        return ()
    checked = []
    for item in ranges:
        try:
            period, first, last = item
        except (TypeError, ValueError):
            raise SettlementError("tou_hours_invalid", {"value": str(item)}) from None
        if period not in TOU_PERIODS:
            raise SettlementError("bad_tou_period", {"period": str(period)})
        if period not in prices:
            raise SettlementError("tou_price_missing", {"carrier": carrier, "period": period})
        a, b = _minutes(first, period), _minutes(last, period)
        if a == b or a == 1440:
            raise SettlementError("tou_hours_invalid", {"value": f"{period} {first}-{last}"})
        pieces = [(a, b)] if a < b else [(a, 1440), (0, b)]
        checked.extend((period, lo, hi) for lo, hi in pieces if lo < hi)
    cursor = 0
    for _period, lo, hi in sorted(checked, key=lambda piece: piece[1]):
        if lo < cursor:
            raise SettlementError("tou_hours_overlap", {"time": _hhmm(lo)})
        if lo > cursor:
            raise SettlementError("tou_hours_gap", {"time": _hhmm(cursor)})
        cursor = hi
    if cursor < 1440:
        raise SettlementError("tou_hours_gap", {"time": _hhmm(cursor)})
    return tuple(checked)


def _weights(mapping, carrier: str, allowed) -> dict[str, Decimal]:
    """TOU weights in :data:`TOU_PERIODS` order: non-negative, positive sum, priced periods."""
    weights = {}
    for period, value in mapping.items():
        if period not in TOU_PERIODS:
            raise SettlementError("bad_tou_period", {"period": str(period)})
        if period not in allowed:
            raise SettlementError("tou_price_missing", {"carrier": carrier, "period": period})
        weights[period] = _dec(value, f"time-of-use weight of {carrier}")
    if any(w < 0 for w in weights.values()) or sum(weights.values(), _ZERO) <= 0:
        raise SettlementError("bad_tou_weights", {"carrier": carrier})
    return {p: weights[p] for p in TOU_PERIODS if p in weights}


def _checked_price(carrier: str, price) -> Decimal | _Tou:
    if not isinstance(price, TimeOfUse):
        return _price(price, carrier)
    prices = {}
    for period, value in dict(price.prices).items():
        if period not in TOU_PERIODS:
            raise SettlementError("bad_tou_period", {"period": str(period)})
        prices[period] = _price(value, f"{carrier}/{period}")
    if not prices:
        raise SettlementError("tou_prices_missing", {"carrier": carrier})
    prices = {p: prices[p] for p in TOU_PERIODS if p in prices}
    hours = _tou_hours(price.hours, prices, carrier)
    profile = None if price.profile is None else _weights(price.profile, carrier, prices)
    return _Tou(prices, hours, profile)


def _checked_tiers(tiers: Sequence[Tier], term_years: int) -> tuple[Tier, ...]:
    if not tiers:
        raise SettlementError("tiers_missing")
    checked = []
    for index, tier in enumerate(tiers, start=1):
        first, last = tier.year_from, tier.year_to
        valid = isinstance(first, int) and not isinstance(first, bool) and first >= 1
        if last is not None:
            valid = valid and isinstance(last, int) and not isinstance(last, bool)
            valid = valid and last >= first
        if not valid:
            raise SettlementError("bad_tier", {"index": index})
        checked.append(Tier(first, last, _share(tier.share, f"share of tier {index}")))
    checked.sort(key=lambda t: t.year_from)
    expected = 1
    for index, tier in enumerate(checked):
        if tier.year_from < expected:
            raise SettlementError("tiers_overlap", {"year": tier.year_from})
        if tier.year_from > expected:
            raise SettlementError("tiers_gap", {"year": expected})
        if tier.year_to is None:
            if index + 1 < len(checked):
                raise SettlementError("tiers_overlap", {"year": checked[index + 1].year_from})
            return tuple(checked)
        expected = tier.year_to + 1
    if expected <= term_years:
        raise SettlementError("tiers_gap", {"year": expected})
    return tuple(checked)


def _checked_lease(lease: Lease, contract_start: datetime.date) -> tuple:
    principal = _dec(lease.principal, "lease principal")
    if principal <= 0:
        raise SettlementError(
            "negative_amount", {"name": "lease principal", "value": _fmt(principal)}
        )
    rate = _non_negative(lease.annual_rate, "lease rate")
    count = lease.instalments
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise SettlementError("bad_instalments")
    frequency = _choice(lease.periods_per_year, (1, 2, 3, 4, 6, 12), "instalments per year")
    method = _choice(lease.method, ("annuity", "equal_principal"), "lease method")
    start = contract_start if lease.date_start is None else _date(lease.date_start, "lease start")
    return (principal, rate, count, frequency, method, start)


def _terms(contract: Contract) -> _Terms:
    """Validate ``contract`` and return its terms as Decimals and dates."""
    kind = contract.contract_type
    if kind not in CONTRACT_TYPES:
        raise SettlementError("bad_contract_type", {"contract_type": str(kind)})
    start = _date(contract.date_start, "date_start")
    end = _date(contract.date_end, "date_end")
    if end <= start:
        raise SettlementError(
            "bad_contract_dates", {"start": start.isoformat(), "end": end.isoformat()}
        )
    present = {
        "tiers": bool(contract.tiers),
        "guarantee": contract.guarantee is not None,
        "trusteeship": contract.trusteeship is not None,
        "lease": contract.lease is not None,
    }
    required = set(_REQUIRED[kind])
    trusteeship = contract.trusteeship
    if kind == "energy_trusteeship" and trusteeship is not None and trusteeship.cap is not None:
        required.add("tiers")
    for name in ("tiers", "guarantee", "trusteeship", "lease"):
        if name in required and not present[name]:
            if name == "tiers":
                raise SettlementError("tiers_missing")
            raise SettlementError("terms_missing", {"contract_type": kind, "terms": name})
        if name not in required and present[name]:
            raise SettlementError("terms_unexpected", {"contract_type": kind, "terms": name})
    _choice(contract.negative_balance, ("waive", "carry_forward"), "negative_balance")
    _choice(contract.esco_payment_move, ("out_refund", "in_invoice"), "esco_payment_move")

    prices = {}
    for carrier, price in dict(contract.prices).items():
        if not isinstance(carrier, str) or not carrier:
            raise SettlementError("bad_carrier", {"value": str(carrier)})
        prices[carrier] = _checked_price(carrier, price)

    term_years = contract_year(start, end - _DAY)
    tiers = _checked_tiers(contract.tiers, term_years) if "tiers" in required else ()

    guarantee_kwh, shortfall_prices, excess_share = {}, {}, None
    guarantee = contract.guarantee
    if guarantee is not None:
        _choice(guarantee.per, ("period", "year"), "guarantee basis")
        if not guarantee.kwh:
            raise SettlementError("guarantee_empty")
        for carrier, kwh in dict(guarantee.kwh).items():
            if carrier not in prices:
                raise SettlementError("price_missing", {"carrier": str(carrier)})
            guarantee_kwh[carrier] = _non_negative(kwh, f"guaranteed savings of {carrier}")
        for carrier, price in dict(guarantee.shortfall_prices).items():
            if carrier not in guarantee_kwh:
                raise SettlementError("carrier_not_guaranteed", {"carrier": str(carrier)})
            shortfall_prices[carrier] = _price(price, f"{carrier} shortfall")
        if guarantee.excess_share is not None:
            if kind == "hybrid":
                raise SettlementError("excess_share_in_hybrid")
            excess_share = _share(guarantee.excess_share, "excess share")

    fee = fee_share = cap = None
    if trusteeship is not None:
        if (trusteeship.fee is None) == (trusteeship.fee_share is None):
            raise SettlementError("trusteeship_fee_terms")
        if trusteeship.fee is not None:
            fee = round_fen(_non_negative(trusteeship.fee, "trusteeship fee"))
        else:
            fee_share = _share(trusteeship.fee_share, "trusteeship fee share")
        if trusteeship.cap is not None:
            cap = round_fen(_non_negative(trusteeship.cap, "energy cost cap"))

    lease = lease_start = None
    if contract.lease is not None:
        lease = _checked_lease(contract.lease, start)
        lease_start = lease[5]
        months = 12 // lease[3]
        first_due, last_due = (
            _add_months(lease_start, months),
            _add_months(lease_start, lease[2] * months),
        )
        if first_due <= start or last_due > end:
            # an instalment due outside (start, end] would be in no settlement period
            raise SettlementError(
                "lease_outside_contract",
                {
                    "first_due": first_due.isoformat(),
                    "last_due": last_due.isoformat(),
                    "contract_start": start.isoformat(),
                    "contract_end": end.isoformat(),
                },
            )
    return _Terms(
        kind,
        start,
        end,
        prices,
        tiers,
        guarantee,
        guarantee_kwh,
        shortfall_prices,
        excess_share,
        fee,
        fee_share,
        cap,
        lease,
        lease_start,
        contract,
    )


def validate_contract(contract: Contract) -> None:
    """Raise :class:`SettlementError` if ``contract``'s terms cannot be settled.

    For the model's constraints: the same checks :func:`settle` makes on the
    contract (type, dates, terms per type, prices, TOU hours and profile,
    tiers covering the term, guarantee, trusteeship, lease).
    """
    _terms(contract)


# --------------------------------------------------------------------------
# Lease schedules and TOU profiles
# --------------------------------------------------------------------------


def lease_schedule(lease: Lease, date_start=None) -> tuple[Instalment, ...]:
    """The instalments of ``lease`` (class docstring), to the fen.

    Rate per instalment r = annual_rate / periods_per_year. Interest =
    balance × r, to the fen. ``annuity``: payment = P·r / (1 − (1 + r)^−n)
    (P / n at a zero rate), to the fen; principal = payment − interest.
    ``equal_principal``: principal = P / n, to the fen; payment = principal +
    interest. The last instalment repays the remaining balance, absorbing the
    rounding, so the principals add up to P exactly and the payments to P +
    the interests; should rounding exhaust the balance early, later principals
    are 0. ``date_start`` is used when ``lease.date_start`` is None.
    """
    start = lease.date_start if lease.date_start is not None else date_start
    start = _date(start, "lease start")
    return _schedule(_checked_lease(lease, start))


@functools.lru_cache(maxsize=1024)
def _schedule(checked: tuple) -> tuple[Instalment, ...]:
    principal, annual_rate, count, frequency, method, start = checked
    principal = round_fen(principal)
    with localcontext() as ctx:
        ctx.prec = 34
        rate = annual_rate / frequency
        if method == "annuity":
            if rate == 0:
                level = round_fen(principal / count)
            else:
                level = round_fen(principal * rate / (1 - (1 + rate) ** -count))
        else:
            level = round_fen(principal / count)
        balance = principal
        months = 12 // frequency
        schedule = []
        for number in range(1, count + 1):
            interest = round_fen(balance * rate)
            if number == count:
                repaid = balance
            elif method == "annuity":
                repaid = min(max(level - interest, _ZERO), balance)
            else:
                repaid = min(level, balance)
            balance -= repaid
            schedule.append(
                Instalment(
                    number,
                    _add_months(start, number * months),
                    interest + repaid,
                    interest,
                    repaid,
                    balance,
                )
            )
    return tuple(schedule)


def tou_weights_from_hourly(tou: TimeOfUse, hourly_kwh: Sequence) -> dict[str, Decimal]:
    """kWh per TOU period of hourly values, for ``CarrierSavings.tou_weights``.

    ``hourly_kwh`` holds whole days of hourly values from 00:00 (24, or 24 ×
    days: hour i is hour ``i % 24`` of its day), e.g. the reporting
    consumption. An hour cut by a range boundary (a half-hour schedule) is
    shared in proportion to minutes. Raises ``tou_hours_missing`` when
    ``tou`` has no hours, ``bad_hourly_values`` for a length that is not whole
    days.
    """
    checked = _checked_price("electricity", tou) if isinstance(tou, TimeOfUse) else None
    if checked is None or not checked.hours:
        raise SettlementError("tou_hours_missing")
    if not hourly_kwh or len(hourly_kwh) % 24:
        raise SettlementError("bad_hourly_values", {"count": len(hourly_kwh)})
    by_hour = [_ZERO] * 24
    for index, value in enumerate(hourly_kwh):
        by_hour[index % 24] += _dec(value, "hourly kWh")
    minutes_by_hour: dict[str, list[int]] = {p: [0] * 24 for p in checked.prices}
    for period, first, end in checked.hours:
        for minute in range(first, end):
            minutes_by_hour[period][minute // 60] += 1
    totals = {
        period: sum((by_hour[h] * m / 60 for h, m in enumerate(minutes) if m), _ZERO)
        for period, minutes in minutes_by_hour.items()
    }
    named = {p for p, _a, _b in checked.hours}
    return {p: totals[p] for p in TOU_PERIODS if p in named}


# --------------------------------------------------------------------------
# Settlement
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    start: datetime.date
    end: datetime.date
    days: int
    tier: Tier | None


@dataclass
class _Period:
    """Everything :func:`settle` derives from the period before valuing it."""

    terms: _Terms
    start: datetime.date
    end: datetime.date
    days: int
    first: datetime.date  # first contract day of the period
    last: datetime.date  # end (excluded) of its contract days
    contract_days: int
    measured_within: bool
    spans: list[_Span]
    lines: list[Line] = field(default_factory=list)

    def measured(self, total: Decimal, quantum: Decimal) -> list[Decimal]:
        """A measured figure divided between the spans (outside days dropped)."""
        weights = [s.days for s in self.spans]
        if self.measured_within:
            return _apportion(total, weights, quantum)
        before, after = (self.first - self.start).days, (self.end - self.last).days
        parts = _apportion(total, [before, *weights, after], quantum)
        return parts[1:-1]

    def prorated(self, amount: Decimal) -> Decimal:
        """A fixed per-period amount for the contract's days, to the fen."""
        return round_fen(amount * self.contract_days / self.days)

    def measured_money(self, amount: Decimal) -> Decimal:
        """A measured money figure for the contract's days, to the fen."""
        return amount if self.measured_within else self.prorated(amount)


def _spans(terms: _Terms, first: datetime.date, last: datetime.date) -> list[_Span]:
    """The contract's days [first, last) cut at anniversaries, merged per tier."""
    spans: list[_Span] = []
    year = contract_year(terms.date_start, first)
    cursor = first
    while cursor < last:
        boundary = min(_anniversary(terms.date_start, year), last)
        tier = next(
            (
                t
                for t in terms.tiers
                if t.year_from <= year and (t.year_to is None or year <= t.year_to)
            ),
            None,
        )
        if spans and spans[-1].tier == tier:
            previous = spans.pop()
            cursor = previous.start
        spans.append(_Span(cursor, boundary, (boundary - cursor).days, tier))
        cursor = boundary
        year += 1
    return spans


def _guaranteed_kwh(period: _Period, annual_or_period: Decimal) -> Decimal:
    """The guarantee for the period's contract days (module docstring), to 0.001 kWh."""
    if period.terms.guarantee.per == "period":
        return _round_kwh(annual_or_period * period.contract_days / period.days)
    start = period.terms.date_start
    total = _ZERO
    cursor = period.first
    year = contract_year(start, cursor)
    while cursor < period.last:
        year_start, year_end = _anniversary(start, year - 1), _anniversary(start, year)
        boundary = min(year_end, period.last)
        total += annual_or_period * (boundary - cursor).days / (year_end - year_start).days
        cursor = boundary
        year += 1
    return _round_kwh(total)


@dataclass(frozen=True)
class _Carrier:
    """A carrier's savings for the period, split by TOU period (None: fixed price)."""

    carrier: str
    price: Decimal | _Tou
    kwh: Decimal
    non_routine_kwh: Decimal
    parts: dict[str | None, Decimal]  # whole-period kWh per TOU period
    weights: dict[str, Decimal] | None  # weights behind an average TOU price


def _carrier_savings(item: CarrierSavings, price) -> _Carrier:
    carrier = item.carrier
    non_routine = _round_kwh(_dec(item.non_routine_kwh, f"non-routine savings of {carrier}"))
    if item.tou_kwh is not None and item.tou_weights is not None:
        raise SettlementError("tou_split_twice", {"carrier": carrier})
    total = None
    if item.kwh is not None:
        total = _round_kwh(_dec(item.kwh, f"savings of {carrier}"))
    if not isinstance(price, _Tou):
        if total is None and item.tou_kwh is not None:
            split = [_dec(v, f"savings of {carrier}") for v in dict(item.tou_kwh).values()]
            total = _round_kwh(sum(split, _ZERO))
        if total is None:
            raise SettlementError("savings_missing", {"carrier": carrier})
        return _Carrier(carrier, price, total, non_routine, {None: total}, None)
    if item.tou_kwh is not None:
        parts = {}
        for period, value in dict(item.tou_kwh).items():
            if period not in TOU_PERIODS:
                raise SettlementError("bad_tou_period", {"period": str(period)})
            if period not in price.prices:
                raise SettlementError("tou_price_missing", {"carrier": carrier, "period": period})
            parts[period] = _round_kwh(_dec(value, f"{period} savings of {carrier}"))
        parts = {p: parts[p] for p in TOU_PERIODS if p in parts}
        split_total = sum(parts.values(), _ZERO)
        if total is not None and abs(split_total - total) > KWH * len(parts):
            raise SettlementError(
                "tou_split_mismatch",
                {"carrier": carrier, "kwh": _fmt(total), "split_kwh": _fmt(split_total)},
            )
        usable = all(v >= 0 for v in parts.values()) and split_total > 0
        weights = parts if usable else price.profile
        return _Carrier(carrier, price, split_total, non_routine, parts, weights)
    if total is None:
        raise SettlementError("savings_missing", {"carrier": carrier})
    if item.tou_weights is not None:
        weights = _weights(item.tou_weights, carrier, price.prices)
    elif price.profile is not None:
        weights = price.profile
    else:
        raise SettlementError("tou_split_missing", {"carrier": carrier})
    parts = dict(zip(weights, _apportion(total, list(weights.values()), KWH), strict=True))
    return _Carrier(carrier, price, total, non_routine, parts, weights)


def _percent(share: Decimal) -> str:
    return _fmt((share * 100).normalize())


def _span_params(span: _Span) -> dict:
    return {
        "share_percent": _percent(span.tier.share),
        "years": span.tier.years,
        "days": span.days,
        "start": span.start.isoformat(),
        "end": span.end.isoformat(),
    }


def _hours_text(tou: _Tou, period: str) -> str:
    return ", ".join(f"{_hhmm(a)}-{_hhmm(b)}" for p, a, b in tou.hours if p == period)


def _share_lines(period: _Period, carriers: list[_Carrier]) -> dict[str, Decimal]:
    """``savings_share`` lines of every carrier; returns each carrier's settled kWh."""
    settled = {}
    for item in carriers:
        by_tou = {tou: period.measured(kwh, KWH) for tou, kwh in item.parts.items()}
        settled[item.carrier] = sum((sum(v, _ZERO) for v in by_tou.values()), _ZERO)
        for index, span in enumerate(period.spans):
            for tou, split in by_tou.items():
                kwh = split[index]
                price = item.price if tou is None else item.price.prices[tou]
                gross = round_fen(kwh * price)
                amount = round_fen(gross * span.tier.share)
                params = {
                    "carrier": item.carrier,
                    "kwh": _fmt(kwh),
                    "price": _fmt(price),
                    "gross": _fmt(gross),
                    "amount": _fmt(amount),
                    **_span_params(span),
                }
                if tou is not None:
                    params["tou"] = tou
                    params["hours"] = _hours_text(item.price, tou)
                period.lines.append(
                    Line(
                        "savings_share" if tou is None else "savings_share_tou",
                        params,
                        CLIENT_TO_ESCO,
                        amount,
                        carrier=item.carrier,
                        tou=tou,
                        kwh=kwh,
                        price=price,
                        gross=gross,
                        share=span.tier.share,
                        tier=span.tier,
                        days=span.days,
                        start=span.start,
                        end=span.end,
                    )
                )
    return settled


def _average_price(item: _Carrier) -> Decimal | None:
    """The carrier's price, or its TOU average weighted by its split (module docstring)."""
    if not isinstance(item.price, _Tou):
        return item.price
    if item.weights is None:
        return None
    prices = item.price.prices
    value = sum((w * prices[p] for p, w in item.weights.items()), _ZERO)
    return (value / sum(item.weights.values())).quantize(PRICE, rounding=ROUND_HALF_UP)


def _guarantee_lines(
    period: _Period, carriers: list[_Carrier], settled: dict[str, Decimal], share_excess: bool
) -> None:
    """One guarantee line per guaranteed carrier (shortfall, excess or met)."""
    terms = period.terms
    by_carrier = {c.carrier: c for c in carriers}
    for carrier, guaranteed in terms.guarantee_kwh.items():
        item = by_carrier.get(carrier)
        if item is None:
            raise SettlementError("savings_missing", {"carrier": carrier})
        verified = settled[carrier]
        target = _guaranteed_kwh(period, guaranteed)
        params = {
            "carrier": carrier,
            "verified_kwh": _fmt(verified),
            "guaranteed_kwh": _fmt(target),
            "per": terms.guarantee.per,
            "days": period.contract_days,
        }
        common = {"carrier": carrier, "days": period.contract_days}
        common.update(start=period.first, end=period.last)
        if verified < target:
            price = terms.shortfall_prices.get(carrier)
            price = _average_price(item) if price is None else price
            if price is None:
                raise SettlementError("average_price_undefined", {"carrier": carrier})
            kwh = target - verified
            gross = round_fen(kwh * price)
            params.update(kwh=_fmt(kwh), price=_fmt(price), gross=_fmt(gross), amount=_fmt(gross))
            line = Line(
                "guarantee_shortfall",
                params,
                ESCO_TO_CLIENT,
                gross,
                kwh=kwh,
                price=price,
                gross=gross,
                share=_ONE,
                **common,
            )
        elif verified > target and share_excess:
            price = _average_price(item)
            if price is None:
                raise SettlementError("average_price_undefined", {"carrier": carrier})
            kwh = verified - target
            gross = round_fen(kwh * price)
            share = terms.excess_share
            key = "guarantee_excess_client" if share is None else "guarantee_excess"
            share = _ZERO if share is None else share
            amount = round_fen(gross * share)
            params.update(
                kwh=_fmt(kwh),
                price=_fmt(price),
                gross=_fmt(gross),
                share_percent=_percent(share),
                amount=_fmt(amount),
            )
            line = Line(
                key,
                params,
                CLIENT_TO_ESCO,
                amount,
                kwh=kwh,
                price=price,
                gross=gross,
                share=share,
                **common,
            )
        else:
            params["amount"] = "0.00"
            line = Line("guarantee_met", params, CLIENT_TO_ESCO, _NIL, **common)
        period.lines.append(line)


def _trusteeship_lines(period: _Period, costs: TrusteeshipCosts | None) -> None:
    terms = period.terms
    costs = costs or TrusteeshipCosts()
    common = {"days": period.contract_days, "start": period.first, "end": period.last}
    if terms.fee is not None:
        amount = period.prorated(terms.fee)
        params = {
            "gross": _fmt(terms.fee),
            "amount": _fmt(amount),
            "days": period.contract_days,
            "period_days": period.days,
        }
        period.lines.append(
            Line("trusteeship_fee", params, CLIENT_TO_ESCO, amount, gross=terms.fee, **common)
        )
    else:
        if costs.baseline_cost is None:
            raise SettlementError("baseline_cost_missing")
        baseline = round_fen(_non_negative(costs.baseline_cost, "baseline energy cost"))
        baseline = period.measured_money(baseline)
        amount = round_fen(baseline * terms.fee_share)
        params = {
            "gross": _fmt(baseline),
            "share_percent": _percent(terms.fee_share),
            "amount": _fmt(amount),
        }
        period.lines.append(
            Line(
                "trusteeship_fee_share",
                params,
                CLIENT_TO_ESCO,
                amount,
                gross=baseline,
                share=terms.fee_share,
                **common,
            )
        )
    if terms.cap is None:
        return
    if costs.energy_cost is None:
        raise SettlementError("energy_cost_missing")
    cost = period.measured_money(round_fen(_non_negative(costs.energy_cost, "energy cost")))
    cap = period.prorated(terms.cap)
    base = {"cost": _fmt(cost), "cap": _fmt(cap)}
    if cost > cap:
        gross = cost - cap
        params = {**base, "gross": _fmt(gross), "amount": _fmt(gross)}
        period.lines.append(
            Line(
                "cost_above_cap",
                params,
                ESCO_TO_CLIENT,
                gross,
                gross=gross,
                share=_ONE,
                **common,
            )
        )
    elif cost == cap:
        period.lines.append(
            Line("cost_at_cap", {**base, "amount": "0.00"}, CLIENT_TO_ESCO, _NIL, **common)
        )
    else:
        saving = cap - cost
        parts = _apportion(saving, [s.days for s in period.spans], FEN)
        for span, gross in zip(period.spans, parts, strict=True):
            amount = round_fen(gross * span.tier.share)
            params = {**base, "gross": _fmt(gross), "amount": _fmt(amount), **_span_params(span)}
            period.lines.append(
                Line(
                    "saving_below_cap",
                    params,
                    CLIENT_TO_ESCO,
                    amount,
                    gross=gross,
                    share=span.tier.share,
                    tier=span.tier,
                    days=span.days,
                    start=span.start,
                    end=span.end,
                )
            )


def _lease_lines(period: _Period) -> None:
    schedule = _schedule(period.terms.lease)
    count = len(schedule)
    for item in schedule:
        if not period.start < item.due <= period.end:
            continue
        base = {"number": item.number, "count": count, "due": item.due.isoformat()}
        interest = {**base, "balance": _fmt(item.balance + item.principal)}
        for key, amount, params in (
            ("lease_interest", item.interest, interest),
            ("lease_principal", item.principal, dict(base)),
        ):
            params["amount"] = _fmt(amount)
            period.lines.append(Line(key, params, CLIENT_TO_ESCO, amount, gross=amount))


def _invoices(terms: _Terms, lines: list[Line], c2e_owed: bool) -> tuple[Invoice, ...]:
    """The moves to post (module docstring): netted or one per direction."""
    c2e = [(i, line.amount) for i, line in enumerate(lines) if line.direction == CLIENT_TO_ESCO]
    e2c = [(i, line.amount) for i, line in enumerate(lines) if line.direction == ESCO_TO_CLIENT]
    if not c2e_owed:
        c2e = []
    c2e = [(i, a) for i, a in c2e if a]
    e2c = [(i, a) for i, a in e2c if a]
    to_esco = sum((a for _i, a in c2e), _ZERO)
    to_client = sum((a for _i, a in e2c), _ZERO)
    refund = terms.source.esco_payment_move
    if not terms.source.netting:
        moves = []
        if to_esco > 0:
            moves.append(Invoice("out_invoice", CLIENT_TO_ESCO, to_esco, tuple(c2e)))
        if to_client > 0:
            moves.append(Invoice(refund, ESCO_TO_CLIENT, to_client, tuple(e2c)))
        return tuple(moves)
    balance = to_esco - to_client
    if balance > 0:
        signed = sorted(c2e + [(i, -a) for i, a in e2c])
        return (Invoice("out_invoice", CLIENT_TO_ESCO, balance, tuple(signed)),)
    if balance < 0:
        signed = sorted(e2c + [(i, -a) for i, a in c2e])
        return (Invoice(refund, ESCO_TO_CLIENT, -balance, tuple(signed)),)
    return ()


def settle(
    contract: Contract,
    start,
    end,
    savings: Sequence[CarrierSavings] = (),
    *,
    costs: TrusteeshipCosts | None = None,
    measured_within_contract: bool = False,
    carry_in=0,
) -> Statement:
    """Settle ``contract`` for the nominal period ``[start, end)`` (module docstring).

    ``savings``: the verified savings of each carrier for the period (needed
    for shared savings, guaranteed savings and hybrid contracts; for the
    other types they are only summarised). ``costs``: the period's energy
    costs (trusteeship). ``measured_within_contract``: the savings and costs
    cover only the period's days inside the contract. ``carry_in``: the
    ``carry_out`` of the previous statement (<= 0).
    """
    terms = _terms(contract)
    start, end = _date(start, "period start"), _date(end, "period end")
    if end <= start:
        raise SettlementError("bad_period", {"start": start.isoformat(), "end": end.isoformat()})
    first, last = max(start, terms.date_start), min(end, terms.date_end)
    if last <= first:
        raise SettlementError(
            "period_outside_contract",
            {
                "start": start.isoformat(),
                "end": end.isoformat(),
                "contract_start": terms.date_start.isoformat(),
                "contract_end": terms.date_end.isoformat(),
            },
        )
    carry = round_fen(_dec(carry_in, "carried balance"))
    if carry > 0:
        raise SettlementError("bad_carry", {"value": _fmt(carry)})
    period = _Period(
        terms,
        start,
        end,
        (end - start).days,
        first,
        last,
        (last - first).days,
        bool(measured_within_contract),
        _spans(terms, first, last),
    )

    kind = terms.contract_type
    carriers: list[_Carrier] = []
    for item in savings:
        carrier = item.carrier
        if not isinstance(carrier, str) or not carrier:
            raise SettlementError("bad_carrier", {"value": str(carrier)})
        if any(c.carrier == carrier for c in carriers):
            raise SettlementError("duplicate_carrier", {"carrier": carrier})
        if carrier not in terms.prices:
            raise SettlementError("price_missing", {"carrier": carrier})
        if kind == "guaranteed_savings" and carrier not in terms.guarantee_kwh:
            raise SettlementError("carrier_not_guaranteed", {"carrier": carrier})
        carriers.append(_carrier_savings(item, terms.prices[carrier]))
    if kind in ("shared_savings", "hybrid") and not carriers:
        raise SettlementError("no_savings")
    if costs is not None and kind != "energy_trusteeship":
        raise SettlementError("costs_unexpected")

    if carry:
        period.lines.append(
            Line("carried_forward", {"amount": _fmt(carry)}, CLIENT_TO_ESCO, carry, gross=carry)
        )
    if kind in ("shared_savings", "hybrid"):
        settled = _share_lines(period, carriers)
    else:
        settled = {
            c.carrier: sum(
                (sum(period.measured(kwh, KWH), _ZERO) for kwh in c.parts.values()), _ZERO
            )
            for c in carriers
        }
    if kind in ("guaranteed_savings", "hybrid"):
        _guarantee_lines(period, carriers, settled, share_excess=kind == "guaranteed_savings")
    elif kind == "energy_trusteeship":
        _trusteeship_lines(period, costs)
    elif kind == "financing_lease":
        _lease_lines(period)

    lines = period.lines
    to_esco = sum((line.amount for line in lines if line.direction == CLIENT_TO_ESCO), _NIL)
    to_client = sum((line.amount for line in lines if line.direction == ESCO_TO_CLIENT), _NIL)
    waived = carry_out = _NIL
    if to_esco < 0:
        if contract.negative_balance == "carry_forward":
            carry_out = to_esco
        else:
            waived = -to_esco
    return Statement(
        contract_type=kind,
        start=start,
        end=end,
        days=period.days,
        contract_days=period.contract_days,
        lines=tuple(lines),
        carriers=tuple(
            CarrierSummary(c.carrier, c.kwh, c.non_routine_kwh, settled[c.carrier])
            for c in carriers
        ),
        total_client_to_esco=to_esco,
        total_esco_to_client=to_client,
        waived=waived,
        carry_out=carry_out,
        invoices=_invoices(terms, lines, to_esco >= 0),
    )
