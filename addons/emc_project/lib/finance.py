"""Financial arithmetic of energy performance contracts (合同能源管理, EPC).

This module is deliberately pure Python (standard library only, no ORM, no
numpy): the Odoo models call it from computed fields and reports, and the unit
tests exercise it without a database. Every function validates its input and
raises :class:`FinanceError` with a short machine ``code`` so that the caller
can turn bad data into a user-facing message instead of a traceback.

Conventions
-----------
* Rates are fractions per year (``0.08`` means 8 %). A rate of -100 % or less
  makes discounting meaningless, so it is rejected (code ``bad_rate``).
* A cash-flow series ``flows`` holds one amount per year: ``flows[0]`` happens
  at t = 0 (signature / commissioning) and is not discounted, ``flows[t]`` is
  discounted by ``(1 + rate) ** t``. Outflows are negative.
* ``S`` is the expected annual energy-cost saving, ``O&M`` the annual
  operation-and-maintenance cost of the installed equipment, ``capex`` the
  initial investment and ``share`` (``esco_share``) the ESCO's fraction (0..1)
  of the savings during the contract term.

Contract models shown to users (:func:`contract_cash_flows`)
------------------------------------------------------------
The whole-project flows are the same for every model: ``-capex`` at t = 0,
then ``S - O&M`` in each year 1..term. The contract type only decides how that
project is split between the ESCO (energy service company) and the client:

* ``shared_savings`` (节能效益分享型): the ESCO invests all the capex and bears
  the O&M during the term; the savings are shared.
  ESCO: ``-capex``, then ``share*S - O&M``. Client: ``0``, then
  ``(1-share)*S``.
* ``guaranteed_savings`` (节能量保证型): the client invests all the capex and
  bears the O&M; the ESCO guarantees the savings and is paid a performance fee
  of ``share*S`` a year. Expected savings are assumed to meet the guarantee,
  so no shortfall payment is modelled.
  ESCO: ``0``, then ``share*S``. Client: ``-capex``, then
  ``S - O&M - share*S``.
* ``energy_trusteeship`` (能源费用托管型): the ESCO invests the capex, takes
  over the energy bills and the O&M; the client keeps paying the baseline bill
  reduced by a guaranteed part of the savings.
  ESCO: ``-capex``, then ``share*S - O&M``. Client: ``0``, then
  ``(1-share)*S``. Today these are the shared-savings numbers; the branch is
  kept separate because the two models are expected to diverge (e.g. energy
  price risk borne by the ESCO).
* ``financing_lease`` (融资租赁型): the ESCO, as lessor, buys the equipment and
  the client pays a level lease payment ``L = annuity_payment(rate, term,
  capex)`` each year; the ESCO bears the O&M. ``share`` is not used.
  ESCO: ``-capex``, then ``L - O&M``. Client: ``0``, then ``S - L``.
* ``hybrid`` (混合型): capex, O&M and savings are all split in proportion to
  ``share``. ESCO: ``-share*capex``, then ``share*(S - O&M)``.
  Client: ``-(1-share)*capex``, then ``(1-share)*(S - O&M)``.

In every model the ESCO and client flows add up to the project flows (up to
floating-point rounding): the contract moves money between the parties, it
does not create or destroy any.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = [
    "CONTRACT_TYPES",
    "ContractCashFlows",
    "FinanceError",
    "IrrResult",
    "annuity_payment",
    "contract_cash_flows",
    "irr",
    "npv",
    "payback_period",
    "simple_payback",
]

CONTRACT_TYPES: tuple[str, ...] = (
    "shared_savings",
    "guaranteed_savings",
    "energy_trusteeship",
    "financing_lease",
    "hybrid",
)

# Number of points of the IRR search grid. The grid is uniform in log(1 + r),
# which puts most points near the usual 0-30 % range while still reaching the
# extreme rates (-99 %, +1000 %) of the default interval.
_IRR_GRID_POINTS = 4000
# Bisection stops when the bracket is narrower than this (in rate units).
_IRR_XTOL = 1e-13
_MAX_BISECTIONS = 200


class FinanceError(ValueError):
    """Bad input (negative term, rate <= -100 %, empty flows...).

    ``code`` is a short machine code the Odoo layer maps to a translated
    message; ``str(error)`` is an English message for logs and developers.
    It subclasses ValueError so that generic callers still see a value error.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# --------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------


def _check_rate(rate: float) -> float:
    """Return ``rate`` as a float; reject rates where discounting breaks down."""
    try:
        value = float(rate)
    except (TypeError, ValueError):
        raise FinanceError("bad_rate", f"Rate must be a number, got {rate!r}.") from None
    if not math.isfinite(value) or value <= -1.0:
        raise FinanceError("bad_rate", f"Rate must be a finite number above -100%, got {rate!r}.")
    return value


def _check_flows(flows: Sequence[float]) -> list[float]:
    """Copy ``flows`` to a list of finite floats, or raise a FinanceError."""
    try:
        values = [float(f) for f in flows]
    except (TypeError, ValueError):
        raise FinanceError("bad_flows", "Cash flows must be numbers.") from None
    if not values:
        raise FinanceError("no_flows", "At least one cash flow is needed.")
    if not all(math.isfinite(v) for v in values):
        raise FinanceError("bad_flows", "Cash flows must be finite numbers.")
    return values


def _check_amount(value: float, code: str, label: str) -> float:
    """Return a finite, non-negative amount as a float."""
    try:
        amount = float(value)
    except (TypeError, ValueError):
        raise FinanceError(code, f"{label} must be a number, got {value!r}.") from None
    if not math.isfinite(amount) or amount < 0:
        raise FinanceError(code, f"{label} must be a finite number >= 0, got {value!r}.")
    return amount


def _check_term(years: int) -> int:
    """Return a whole, positive number of years."""
    if isinstance(years, bool):
        raise FinanceError("bad_term", f"Term must be a whole number, got {years!r}.")
    try:
        term = int(years)
        whole = term == years
    except (TypeError, ValueError, OverflowError):
        whole = False
    if not whole:
        raise FinanceError("bad_term", f"Term must be a whole number, got {years!r}.")
    if term < 1:
        raise FinanceError("bad_term", f"Term must be at least 1 year, got {years!r}.")
    return term


def _poly(coefficients: Sequence[float], x: float) -> float:
    """Evaluate sum(c[k] * x**k) by Horner's rule.

    Horner never raises on overflow (it produces +/-inf instead), which lets the
    IRR scan near -99 % simply skip points that do not fit in a float.
    """
    value = 0.0
    for c in reversed(coefficients):
        value = value * x + c
    return value


def _npv_raw(rate: float, flows: Sequence[float]) -> float:
    """NPV without validation: a polynomial in the discount factor 1/(1+r)."""
    return _poly(flows, 1.0 / (1.0 + rate))


# --------------------------------------------------------------------------
# NPV / IRR
# --------------------------------------------------------------------------


def npv(rate: float, flows: Sequence[float]) -> float:
    """Net present value of yearly ``flows`` at ``rate``.

    ``flows[0]`` is at t = 0 and not discounted (the investment is made at
    signature), ``flows[t]`` is divided by ``(1 + rate) ** t``. This is the
    finance convention, unlike spreadsheet NPV() which discounts the first
    value too.

    Raises FinanceError ``bad_rate`` for rate <= -100 %, ``no_flows`` for an
    empty series, ``bad_flows`` for non-numeric values and ``overflow`` when
    the result does not fit in a float (absurd rates over very long terms).
    """
    rate = _check_rate(rate)
    values = _check_flows(flows)
    result = _npv_raw(rate, values)
    if not math.isfinite(result):
        raise FinanceError("overflow", f"NPV at rate {rate!r} is too large to be represented.")
    return result


@dataclass(frozen=True)
class IrrResult:
    """Outcome of :func:`irr`.

    An IRR is not always a single number: flows without a sign change have
    none, and flows with several sign changes may have several (or none). The
    UI needs to say which case it is instead of showing a misleading figure,
    hence a result object rather than a bare float.
    """

    rate: float | None
    """The IRR as a fraction (0.1 = 10 %) when one can be given, else None."""
    roots: tuple[float, ...]
    """Every root found in the search interval, ascending."""
    status: str
    """One of "ok", "multiple", "no_sign_change", "no_root" (see irr)."""
    sign_changes: int
    """Number of sign changes in the flows (zeros ignored)."""

    @property
    def ok(self) -> bool:
        """True when a rate can be shown (status "ok" or "multiple")."""
        return self.rate is not None


def _sign_changes(values: Sequence[float]) -> int:
    """Count sign changes, ignoring zeros (Descartes' rule of signs)."""
    signs = [v > 0 for v in values if v != 0]
    return sum(1 for a, b in itertools.pairwise(signs) if a != b)


def _bisect(func: Callable[[float], float], a: float, fa: float, b: float) -> float | None:
    """Root of ``func`` in [a, b] where func(a) and func(b) have opposite signs.

    Bisection is slower than Brent but cannot diverge, and the grid brackets are
    already narrow, so ~40 halvings reach the tolerance. Returns None if the
    function turns non-finite inside the bracket.
    """
    for _ in range(_MAX_BISECTIONS):
        if b - a <= _IRR_XTOL:
            break
        mid = 0.5 * (a + b)
        if mid in (a, b):  # no float left between a and b
            break
        fm = func(mid)
        if not math.isfinite(fm):
            return None
        if fm == 0.0:
            return mid
        if (fm < 0) == (fa < 0):
            a, fa = mid, fm
        else:
            b = mid
    return 0.5 * (a + b)


def _irr_grid(low: float, high: float) -> list[float]:
    """Search grid, uniform in log(1 + r), always including 0 when in range.

    Including 0 exactly catches the frequent break-even case (IRR = 0 %) as an
    exact zero instead of a bisection result of 1e-14.
    """
    x_low, x_high = math.log1p(low), math.log1p(high)
    step = (x_high - x_low) / (_IRR_GRID_POINTS - 1)
    grid = [math.expm1(x_low + i * step) for i in range(_IRR_GRID_POINTS)]
    grid[0], grid[-1] = low, high
    if low < 0.0 < high:
        grid.append(0.0)
        grid.sort()
    return grid


def irr(flows: Sequence[float], low: float = -0.99, high: float = 10.0) -> IrrResult:
    """Internal rate(s) of return of yearly ``flows`` within [low, high].

    Why a scan instead of Newton's method: Newton needs a guess, may diverge,
    and finds at most one root, while EPC contracts with a late reinvestment or
    decommissioning cost have several sign changes and possibly several IRRs.
    NPV is evaluated on a dense grid (4000 points, uniform in log(1 + r)); each
    sign change between neighbours is refined by bisection to 1e-13, exact
    zeros on grid points are kept once, and cells where NPV has a local
    extremum are also examined (via the derivative) so that a root where NPV
    only touches zero, or two roots inside one cell, are not missed. Points
    where NPV overflows (rates near -100 % with long series) are skipped.

    Status:

    * ``no_sign_change``: all flows zero, or all of one sign. No IRR exists;
      ``rate`` is None.
    * ``no_root``: the flows change sign but NPV has no zero in [low, high]
      (e.g. [-100, 50, -100], whose NPV is always negative); ``rate`` is None.
    * ``ok``: exactly one root, returned as ``rate``.
    * ``multiple``: several roots, all in ``roots``. ``rate`` is the smallest
      root >= 0 if there is one, else the largest (negative) root, i.e. the
      one closest to zero. Why: a non-negative rate is the economically
      meaningful one, and the smallest of them is the conservative figure to
      show; the UI must still warn that the IRR is ambiguous.

    Never raises for valid numeric input. Raises FinanceError ``no_flows`` for
    an empty series, ``bad_flows`` for non-numeric flows and ``bad_interval``
    when not -1 < low < high.
    """
    values = _check_flows(flows)
    try:
        low, high = float(low), float(high)
    except (TypeError, ValueError):
        raise FinanceError("bad_interval", "IRR bounds must be numbers.") from None
    if not (math.isfinite(low) and math.isfinite(high) and -1.0 < low < high):
        raise FinanceError(
            "bad_interval",
            f"IRR search interval must satisfy -1 < low < high, got [{low}, {high}].",
        )

    changes = _sign_changes(values)
    if changes == 0:
        return IrrResult(None, (), "no_sign_change", 0)

    # d/dr sum(f_k d^k) = -d^2 * sum(k f_k d^(k-1)) with d = 1/(1+r): the sign of
    # the derivative is the opposite of this polynomial's, which is all we need.
    derivative = [k * f for k, f in enumerate(values)][1:]

    def f_npv(r: float) -> float:
        return _npv_raw(r, values)

    def f_slope(r: float) -> float:
        return _poly(derivative, 1.0 / (1.0 + r))

    tolerance = 1e-9 * math.fsum(abs(v) for v in values)
    grid = _irr_grid(low, high)
    npvs = [f_npv(r) for r in grid]
    slopes = [f_slope(r) for r in grid]
    roots: list[float] = []

    for r, v in zip(grid, npvs, strict=True):
        if v == 0.0:
            roots.append(r)

    for i in range(len(grid) - 1):
        a, b = grid[i], grid[i + 1]
        fa, fb = npvs[i], npvs[i + 1]
        if not (math.isfinite(fa) and math.isfinite(fb)) or fa == 0.0 or fb == 0.0:
            continue
        if (fa < 0) != (fb < 0):
            root = _bisect(f_npv, a, fa, b)
            if root is not None:
                roots.append(root)
            continue
        # Same sign at both ends: look for a hidden touch or double crossing.
        sa, sb = slopes[i], slopes[i + 1]
        if not (math.isfinite(sa) and math.isfinite(sb)) or (sa < 0) == (sb < 0):
            continue
        if sa == 0.0 or sb == 0.0:
            continue
        extremum = _bisect(f_slope, a, sa, b)
        if extremum is None:
            continue
        fe = f_npv(extremum)
        if not math.isfinite(fe):
            continue
        if fe == 0.0 or ((fe < 0) == (fa < 0) and abs(fe) <= tolerance):
            roots.append(extremum)  # NPV touches zero without crossing
        elif (fe < 0) != (fa < 0):  # two roots inside one grid cell
            for lo, flo, hi in ((a, fa, extremum), (extremum, fe, b)):
                root = _bisect(f_npv, lo, flo, hi)
                if root is not None:
                    roots.append(root)

    roots.sort()
    unique: list[float] = []
    for r in roots:
        if not unique or r - unique[-1] > 1e-9 * (1.0 + abs(r)):
            unique.append(r)

    if not unique:
        return IrrResult(None, (), "no_root", changes)
    if len(unique) == 1:
        return IrrResult(unique[0], (unique[0],), "ok", changes)
    non_negative = [r for r in unique if r >= 0.0]
    chosen = non_negative[0] if non_negative else unique[-1]
    return IrrResult(chosen, tuple(unique), "multiple", changes)


# --------------------------------------------------------------------------
# Payback and annuities
# --------------------------------------------------------------------------


def simple_payback(capex: float, annual_net_saving: float) -> float | None:
    """Static payback in years: ``capex / annual_net_saving``.

    The quick figure sales people quote ("pays back in 3.2 years"). Returns
    0.0 when there is nothing to pay back (capex 0), and None when the net
    saving is zero or negative, because the investment then never pays back
    (a negative or infinite number of years would only confuse users).
    Raises FinanceError ``bad_capex`` for a negative capex.
    """
    capex = _check_amount(capex, "bad_capex", "Capex")
    try:
        saving = float(annual_net_saving)
    except (TypeError, ValueError):
        raise FinanceError(
            "bad_saving", f"Saving must be a number, got {annual_net_saving!r}."
        ) from None
    if math.isnan(saving):
        raise FinanceError("bad_saving", "Saving must be a number, got NaN.")
    if capex == 0.0:
        return 0.0
    if saving <= 0.0:
        return None
    return capex / saving


def payback_period(flows: Sequence[float], rate: float = 0.0) -> float | None:
    """Years until the cumulative (discounted when ``rate`` != 0) flow recovers.

    The payback is the first moment the cumulative flow, having been negative,
    reaches >= 0; inside that year the flow is assumed to arrive evenly, hence
    a linear interpolation (e.g. [-100, 40, 40, 40] -> 2.5 years). Returns
    0.0 when the cumulative flow is never negative (nothing to recover) and
    None when it is still negative at the end of the series (no payback within
    the contract horizon). If a later outflow makes the cumulative negative
    again, the first recovery is still what is reported.

    Raises FinanceError ``no_flows``, ``bad_flows`` or ``bad_rate``.
    """
    rate = _check_rate(rate)
    values = _check_flows(flows)
    factor = 1.0 / (1.0 + rate)
    try:
        discounted = [v * factor**t for t, v in enumerate(values)]
    except OverflowError:
        discounted = [math.inf]
    if not all(math.isfinite(v) for v in discounted):
        raise FinanceError("overflow", "Discounted flows are too large.")
    # Treat a cumulative within rounding noise of zero as zero, so that e.g.
    # [-0.3, 0.1, 0.1, 0.1] pays back in 3.0 years, not never.
    eps = 1e-12 * math.fsum(abs(v) for v in discounted)
    been_negative = False
    previous = 0.0
    for t, flow in enumerate(discounted):
        cumulative = math.fsum(discounted[: t + 1])
        if cumulative < -eps:
            been_negative = True
        elif been_negative:
            # previous < -eps <= cumulative, so this year's flow is positive.
            return (t - 1) + min(1.0, -previous / flow)
        previous = cumulative
    return None if been_negative else 0.0


def annuity_payment(rate: float, years: int, present_value: float) -> float:
    """Level yearly payment repaying ``present_value`` over ``years`` at ``rate``.

    Used for the lease instalment of financing-lease contracts:
    ``PV * r / (1 - (1 + r) ** -n)``, or ``PV / n`` at a zero rate. The
    denominator is computed with expm1/log1p so that tiny rates do not lose
    precision (and tend smoothly to PV / n). Payments are made at the end of
    each year. Raises FinanceError ``bad_term`` for years < 1 or non-whole
    years, ``bad_rate`` for rate <= -100 %.
    """
    term = _check_term(years)
    rate = _check_rate(rate)
    try:
        pv = float(present_value)
    except (TypeError, ValueError):
        raise FinanceError(
            "bad_amount", f"Present value must be a number, got {present_value!r}."
        ) from None
    if not math.isfinite(pv):
        raise FinanceError("bad_amount", "Present value must be a finite number.")
    if rate == 0.0:
        return pv / term
    # 1 - (1 + r) ** -n  ==  -expm1(-n * log1p(r))
    return pv * rate / -math.expm1(-term * math.log1p(rate))


# --------------------------------------------------------------------------
# Contract models
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ContractCashFlows:
    """Yearly flows (t = 0..term, so term + 1 values) of a contract.

    ``project`` is the whole project (-capex, then S - O&M every year), ``esco``
    and ``client`` the parts of each party; esco + client == project.
    """

    project: tuple[float, ...]
    esco: tuple[float, ...]
    client: tuple[float, ...]


def _series(initial: float, yearly: float, term: int) -> tuple[float, ...]:
    """``initial`` at t = 0 then ``yearly`` for t = 1..term (no negative zeros)."""
    return (initial + 0.0,) + (yearly + 0.0,) * term


def contract_cash_flows(
    contract_type: str,
    capex: float,
    annual_saving: float,
    annual_om: float,
    term_years: int,
    esco_share: float,
    rate: float = 0.0,
) -> ContractCashFlows:
    """Split a project's flows between ESCO and client per the contract model.

    See the module docstring for the formula of each model; they are the
    assumptions shown to users, so keep both in sync. ``annual_saving`` may be
    zero or negative (a project that loses money): the flows simply show it.
    ``rate`` is only used by ``financing_lease`` (lease instalment) but is
    validated for every type, since -100 % is never a valid rate.

    Raises FinanceError ``bad_contract_type``, ``bad_term``, ``bad_share``
    (outside [0, 1]), ``bad_capex`` (< 0), ``bad_om`` (< 0), ``bad_saving``
    or ``bad_rate``.
    """
    if contract_type not in CONTRACT_TYPES:
        raise FinanceError(
            "bad_contract_type",
            f"Unknown contract type {contract_type!r}; "
            f"expected one of {', '.join(CONTRACT_TYPES)}.",
        )
    term = _check_term(term_years)
    try:
        share = float(esco_share)
    except (TypeError, ValueError):
        share = math.nan
    if not 0.0 <= share <= 1.0:  # also rejects NaN
        raise FinanceError("bad_share", f"ESCO share must be between 0 and 1, got {esco_share!r}.")
    capex = _check_amount(capex, "bad_capex", "Capex")
    om = _check_amount(annual_om, "bad_om", "Annual O&M cost")
    try:
        saving = float(annual_saving)
    except (TypeError, ValueError):
        saving = math.nan
    if not math.isfinite(saving):
        raise FinanceError(
            "bad_saving",
            f"Annual saving must be a finite number, got {annual_saving!r}.",
        )
    rate = _check_rate(rate)

    project = _series(-capex, saving - om, term)

    if contract_type == "shared_savings":
        esco = _series(-capex, share * saving - om, term)
        client = _series(0.0, (1.0 - share) * saving, term)
    elif contract_type == "guaranteed_savings":
        fee = share * saving
        esco = _series(0.0, fee, term)
        client = _series(-capex, saving - om - fee, term)
    elif contract_type == "energy_trusteeship":
        esco = _series(-capex, share * saving - om, term)
        client = _series(0.0, (1.0 - share) * saving, term)
    elif contract_type == "financing_lease":
        lease = annuity_payment(rate, term, capex)
        esco = _series(-capex, lease - om, term)
        client = _series(0.0, saving - lease, term)
    else:  # hybrid
        esco = _series(-share * capex, share * (saving - om), term)
        client = _series(-(1.0 - share) * capex, (1.0 - share) * (saving - om), term)

    return ContractCashFlows(project=project, esco=esco, client=client)
