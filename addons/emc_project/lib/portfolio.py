"""Which candidate schemes to fund: the portfolio of maximum NPV under a capital budget.

Pure Python with numpy and SciPy (``scipy.optimize.milp``, which runs the
HiGHS solver); no ORM. The Odoo side reads the pipeline's candidate schemes
(``emc.scheme``), passes them as plain values to :func:`optimise`, shows the
:class:`Portfolio` it returns, and offers :func:`cost_of_funding` for "what
if we funded this one as well?". Unit-tested without a database.

Candidates
----------
A :class:`Candidate` (or a mapping with the same keys) carries:

* ``id`` (any hashable, unique; e.g. the scheme id) and ``label`` (shown;
  ``str(id)`` when empty);
* ``capex`` (>= 0, the investment the portfolio has to fund) and ``npv``
  (any finite amount, same currency);
* ``irr``: a fraction (0.12 = 12 %), or None when the scheme has none (see
  ``finance.irr``: no sign change, no root);
* ``client``, ``industry``, ``group``: keys (e.g. partner, industry and
  project ids) or None; ``False`` is read as None, as Odoo reads an empty
  Many2one. Schemes of one ``group`` are alternatives: at most one of them is
  funded (two schemes of the same project);
* ``engineer_months`` (>= 0): engineering effort the scheme needs;
* ``capex_by_year``: optional yearly spread of ``capex`` (year 0 is the first
  year of the plan), non-negative, adding up to ``capex`` (to one millionth);
  a candidate without one spends all its capex in year 0;
* ``must_fund`` (already committed: always in the portfolio) and
  ``excluded`` (never in it). Both at once is bad input.

Limits (all optional, keyword arguments of :func:`optimise`)
-------------------------------------------------------------
Every limit is a constraint "usage <= limit" over the funded schemes:

* ``budget``: total capex;
* ``budget_by_year``: capex spent in year ``k`` (``capex_by_year[k]``) for
  each year of the list; ``None`` entries leave a year open, and years after
  the list are not limited per year (the total ``budget`` still counts them);
* ``client_cap`` / ``industry_cap``: capex funded per client / per industry,
  the same cap for every key; ``client_caps`` / ``industry_caps`` (mappings
  key -> amount, or None for no cap) override it per key. Schemes without a
  client (industry) key are not capped by client (industry);
* ``engineer_months``: the engineering months available;
* ``min_irr``: not a constraint but a screen: a scheme whose IRR is below it,
  or unknown, is not a candidate (reason recorded). A ``must_fund`` scheme is
  a commitment and stays funded whatever its IRR (its decision says so).

Below, *screened* candidates are those that pass the screens: not excluded,
IRR at least ``min_irr`` when one is given, or must-fund.

The programme
-------------
Binary ``x_i`` per screened candidate with NPV > 0 or must-fund (must-fund
ones fixed at 1), maximise ``sum(npv_i x_i)`` subject to the limits above and
``sum(x_i) <= 1`` per group, solved by HiGHS to proven optimality
(``mip_rel_gap`` 0). Since every constraint is
"non-negative usage <= limit", the problem is feasible exactly when the
must-fund schemes alone respect every limit and no group holds two of them;
this is checked before solving, so that the error names the constraint.

Ties, tolerances and determinism
--------------------------------
HiGHS proves the optimum to within an absolute gap of ``1e-6`` on the
objective normalised to ``max |npv| = 1`` of the screened candidates, so
portfolios whose NPVs differ by less than ``1e-6 * max |npv|``
(:attr:`Portfolio.tolerance`) are tied. Ties are broken by these rules:

1. a scheme whose NPV is <= 0 is never funded unless it must be (it cannot
   raise the total);
2. of identical schemes (same NPV, requirement on every limit, client,
   industry and group, neither must-fund), a later one is only funded when
   the earlier one is;
3. any other tie is resolved by HiGHS, which is deterministic: the same
   input (same candidates in the same order, same limits) always gives the
   same portfolio.

Why no "least capex among equal NPV" rule: it needs a second solve with a
floor on NPV, which made HiGHS several times slower than the optimum itself
on problems with several limits, for ties that real figures almost never
produce. A limit counts
as respected when ``usage <= limit + 1e-9 * max(1, limit)``; a solver answer
a hair beyond that (at most ``1e-6 * max(1, limit)``: HiGHS's own
feasibility tolerance) is re-solved with the limit tightened by the excess,
anything further is ``solver_failed``.

Cost: one MILP for the optimum, plus one per constraint that may bind (see
below). A limit that every screened positive-NPV scheme together respects is
left out of the programme.

Explanations
------------
Per constraint (:class:`ConstraintReport`, kinds :data:`CONSTRAINT_KINDS`):
its usage, slack, whether it is ``tight`` (the slack is smaller than what any
unfunded, screened, positive-NPV scheme not blocked by a funded alternative
needs of it) and whether it is ``binding``: the optimum is re-solved without
that one constraint, and the constraint binds when the NPV then rises by more
than the tolerance (``npv_gain``, the NPV lifting it would add). The re-solve
is skipped, and the constraint is not binding, when funding every unfunded
screened positive-NPV scheme on top of the portfolio would still respect it.
Constraints of one kind (client caps, industry caps, yearly budgets) are
first re-solved all removed at once: no gain then means none of them binds
(removing one gains at most what removing all gains). Two limits that only
bind together (each redundant given the other) are both reported
non-binding, and usually tight. ``binding`` and ``npv_gain`` are None when
the re-solve hit the time limit, or when ``explain_binding`` is False.

Per candidate (:class:`Decision`, input order) one ``reason`` of
:data:`REASONS` with its ``params``, the first that applies:

* funded: ``"must_fund"`` (params ``below_min_irr``: True when it would have
  failed the IRR screen) or ``"selected"``;
* ``"excluded"``; ``"below_min_irr"`` (``irr``, ``min_irr``); ``"no_irr"``
  (``min_irr``);
* ``"too_large"``: it alone exceeds a limit (``constraints``: a list of
  ``{kind, key, requirement, limit}``);
* ``"non_positive_npv"`` (``npv``): funding it cannot raise the total;
* ``"alternative_chosen"`` (``group``, ``chosen``: the funded alternative);
* ``"does_not_fit"``: adding it to the portfolio would break these limits
  (``constraints``: ``{kind, key, requirement, slack, shortfall}``), and
  making room by dropping funded schemes would lose more NPV than it brings
  (:func:`cost_of_funding` gives the exact loss);
* ``"not_worth"``: it would fit, but its NPV is within the tolerance of 0.

The greedy comparison (:class:`GreedyComparison`) is the practitioner's
ranking: must-fund schemes first, then the screened positive-NPV schemes by
NPV per yuan of capex (capex 0 first), ties by larger NPV then input order,
each funded when it respects every limit and no alternative is funded yet.
``npv_gap`` (optimum minus greedy) is never negative: a greedy portfolio
within the tolerance above the optimum counts as equal.

Errors
------
:class:`PortfolioError` with a stable ``code`` and the ``params`` of the
message the caller translates:

* ``"no_candidates"``: the list is empty;
* ``"bad_candidate"`` (``position``, ``keys``: unknown or missing keys, or
  ``["id"]`` for an unusable id; ``[]`` when it is neither a Candidate nor a
  mapping),
  ``"duplicate_id"`` (``candidate``), ``"bad_capex"``, ``"bad_npv"``,
  ``"bad_irr"``, ``"bad_engineer_months"``, ``"bad_capex_by_year"`` (all
  with ``candidate`` and ``value``; ``bad_capex_by_year`` also ``total`` when
  the years do not add up to the capex), ``"conflicting_flags"``
  (``candidate``: both must-fund and excluded);
* ``"bad_budget"`` (``value``), ``"bad_budget_by_year"`` (``year``,
  ``value``), ``"bad_min_irr"`` (``value``), ``"bad_cap"`` (``kind``
  client/industry, ``key``, ``value``), ``"bad_engineer_capacity"``
  (``value``), ``"bad_time_limit"`` (``value``);
* ``"infeasible"``: the must-fund schemes alone break a constraint. Params:
  ``kind`` (a constraint kind, or ``"group"``), ``key``, ``limit``, ``usage``
  (for a group: 1 and the number of must-fund alternatives), ``candidates``
  (the must-fund ids involved), and ``violations``, the list of every such
  constraint in the same shape (the first one is repeated at the top level);
* ``"time_limit"`` (``seconds``): a solve of the optimum did not finish in
  ``time_limit`` seconds;
* ``"solver_failed"`` (``status``, ``message``): HiGHS gave no usable answer.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

__all__ = [
    "CONSTRAINT_KINDS",
    "REASONS",
    "Candidate",
    "ConstraintReport",
    "Decision",
    "FundingCost",
    "GreedyComparison",
    "Portfolio",
    "PortfolioError",
    "cost_of_funding",
    "optimise",
]

CONSTRAINT_KINDS: tuple[str, ...] = (
    "budget",
    "budget_year",
    "client",
    "industry",
    "engineer_months",
)
REASONS: tuple[str, ...] = (
    "must_fund",
    "selected",
    "excluded",
    "below_min_irr",
    "no_irr",
    "too_large",
    "non_positive_npv",
    "alternative_chosen",
    "does_not_fit",
    "not_worth",
)

# Optimality gap HiGHS closes on the objective normalised to max |npv| = 1
# (its default absolute MIP gap): NPVs closer than this, relatively, are tied.
_NPV_TIE = 1e-6
# Relative slack allowed on a limit (floating-point sums of amounts in cents).
_LIMIT_EPS = 1e-9
# |sum(capex_by_year) - capex| allowed, relative to max(1, capex).
_SPREAD_EPS = 1e-6
# A solver value this far from 0 or 1 is not an integer answer.
_INTEGRALITY = 1e-5
# Largest excess over a limit, relative to max(1, limit), put down to the
# solver's feasibility tolerance (more is a solver failure).
_HAIR = 1e-6
# Times a violated limit is tightened and re-solved before giving up.
_TIGHTEN_ATTEMPTS = 3


class PortfolioError(ValueError):
    """Bad input, an infeasible commitment or a solver failure.

    ``code`` is a stable machine code and ``params`` the named values of the
    message (module docstring); the Odoo layer maps them to a translated
    message. ``str(error)`` is an English message for logs and developers.
    """

    def __init__(self, code: str, message: str, /, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


# --------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A scheme that may be funded (module docstring, "Candidates")."""

    id: Hashable
    capex: float
    npv: float
    label: str = ""
    irr: float | None = None
    client: Hashable | None = None
    industry: Hashable | None = None
    group: Hashable | None = None
    engineer_months: float = 0.0
    capex_by_year: Sequence[float] | None = None
    must_fund: bool = False
    excluded: bool = False


_CANDIDATE_KEYS = frozenset(f.name for f in dataclasses.fields(Candidate))


def _number(value: Any) -> float:
    """``value`` as a finite float, or NaN when it is not one."""
    if isinstance(value, bool):
        return math.nan
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def _amount(value: Any, code: str, message: str, **params: Any) -> float:
    """A finite amount >= 0, else PortfolioError ``code``."""
    number = _number(value)
    if not number >= 0.0:  # also NaN
        raise PortfolioError(code, message, value=value, **params)
    return number


def _key(value: Any) -> Hashable | None:
    """A client/industry/group key; Odoo's False for an empty Many2one is None."""
    return None if value is None or value is False else value


def _candidate(position: int, raw: Candidate | Mapping) -> Candidate:
    """Validate one candidate and return it with clean values."""
    if not isinstance(raw, Candidate):
        if not isinstance(raw, Mapping):
            raise PortfolioError(
                "bad_candidate",
                f"Candidate at position {position} is not a Candidate or a mapping.",
                position=position,
                keys=[],
            )
        unknown = sorted(str(k) for k in raw if k not in _CANDIDATE_KEYS)
        missing = sorted({"id", "capex", "npv"} - set(raw))
        if unknown or missing:
            raise PortfolioError(
                "bad_candidate",
                f"Candidate at position {position}: unknown keys {unknown}, missing {missing}.",
                position=position,
                keys=unknown + missing,
            )
        raw = Candidate(**raw)
    cid = raw.id
    if cid is None or cid is False or not isinstance(cid, Hashable):
        raise PortfolioError(
            "bad_candidate",
            f"Candidate at position {position} has no usable id.",
            position=position,
            keys=["id"],
        )
    capex = _amount(
        raw.capex, "bad_capex", f"Capex of {cid!r} must be a number >= 0.", candidate=cid
    )
    npv = _number(raw.npv)
    if math.isnan(npv):
        raise PortfolioError(
            "bad_npv", f"NPV of {cid!r} must be a finite number.", candidate=cid, value=raw.npv
        )
    irr = None
    if raw.irr is not None and raw.irr is not False:
        irr = _number(raw.irr)
        if not irr > -1.0:
            raise PortfolioError(
                "bad_irr",
                f"IRR of {cid!r} must be a fraction above -1 or None.",
                candidate=cid,
                value=raw.irr,
            )
    months = _amount(
        raw.engineer_months or 0.0,
        "bad_engineer_months",
        f"Engineer-months of {cid!r} must be a number >= 0.",
        candidate=cid,
    )
    spread = None
    if raw.capex_by_year is not None:
        try:
            spread = tuple(_number(v) for v in raw.capex_by_year)
        except TypeError:
            spread = (math.nan,)
        if not spread or not all(v >= 0.0 for v in spread):
            raise PortfolioError(
                "bad_capex_by_year",
                f"Yearly capex of {cid!r} must be a non-empty list of numbers >= 0.",
                candidate=cid,
                value=raw.capex_by_year,
            )
        total = math.fsum(spread)
        if abs(total - capex) > _SPREAD_EPS * max(1.0, capex):
            raise PortfolioError(
                "bad_capex_by_year",
                f"Yearly capex of {cid!r} adds up to {total}, not its capex {capex}.",
                candidate=cid,
                value=raw.capex_by_year,
                total=total,
            )
    if raw.must_fund and raw.excluded:
        raise PortfolioError(
            "conflicting_flags",
            f"Candidate {cid!r} cannot be both must-fund and excluded.",
            candidate=cid,
        )
    return Candidate(
        id=cid,
        capex=capex,
        npv=npv,
        label=str(raw.label) if raw.label else str(cid),
        irr=irr,
        client=_key(raw.client),
        industry=_key(raw.industry),
        group=_key(raw.group),
        engineer_months=months,
        capex_by_year=spread,
        must_fund=bool(raw.must_fund),
        excluded=bool(raw.excluded),
    )


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ConstraintReport:
    """Usage of one limit by the optimal portfolio (module docstring)."""

    kind: str
    """One of :data:`CONSTRAINT_KINDS`."""
    key: Hashable | None
    """Year index (``budget_year``), client or industry key, else None."""
    limit: float
    usage: float
    slack: float
    """``limit - usage``."""
    tight: bool
    """No unfunded worthwhile scheme fits in the slack."""
    binding: bool | None
    """Removing this constraint alone raises the optimal NPV (None: unknown)."""
    npv_gain: float | None
    """Optimal NPV without this constraint minus the optimum (0 when not binding)."""


@dataclass(frozen=True)
class Decision:
    """Why one candidate is, or is not, in the portfolio."""

    id: Hashable
    label: str
    chosen: bool
    reason: str
    """One of :data:`REASONS`."""
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class GreedyComparison:
    """The ranking by NPV per yuan of capex, under the same limits."""

    chosen: tuple
    """Ids in the order the ranking funded them."""
    npv: float
    capex: float
    npv_gap: float
    """Optimal NPV minus greedy NPV, >= 0."""
    only_in_optimum: tuple
    only_in_greedy: tuple


@dataclass(frozen=True)
class Portfolio:
    """The optimal set of schemes and its explanation."""

    chosen: tuple
    """Ids of the funded schemes, in input order."""
    npv: float
    capex: float
    budget_left: float | None
    """``budget - capex``, None without a total budget."""
    engineer_months: float
    """Engineer-months the funded schemes need."""
    constraints: tuple[ConstraintReport, ...]
    decisions: tuple[Decision, ...]
    greedy: GreedyComparison
    tolerance: float
    """NPVs closer than this are tied (module docstring)."""
    seconds: float
    """Wall time of the whole call."""

    def decision(self, candidate_id: Hashable) -> Decision:
        """The decision about one candidate (KeyError if unknown)."""
        for item in self.decisions:
            if item.id == candidate_id:
                return item
        raise KeyError(candidate_id)

    def as_dict(self) -> dict:
        """Plain dicts, lists and numbers (e.g. for a Json field)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class FundingCost:
    """What forcing one more scheme into the portfolio costs (:func:`cost_of_funding`)."""

    candidate: Hashable
    npv_loss: float
    """Optimal NPV minus the best NPV of a portfolio that funds the candidate, >= 0."""
    portfolio: Portfolio
    """The best portfolio that funds it."""
    dropped: tuple
    """Ids of the optimum that this portfolio no longer funds."""
    added: tuple
    """Ids this portfolio funds that the optimum does not (the candidate among them)."""


# --------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------


@dataclass
class _Row:
    kind: str
    key: Hashable | None
    limit: float
    coef: np.ndarray  # requirement of every candidate (input order)

    def ref(self) -> dict:
        return {"kind": self.kind, "key": self.key}


def _fits(usage: float, limit: float) -> bool:
    return usage <= limit + _LIMIT_EPS * max(1.0, abs(limit))


class _Model:
    """Validated candidates, their screening, the constraint rows and the MILP."""

    def __init__(self, candidates, limits: dict, time_limit: float) -> None:
        self.items = [_candidate(i, raw) for i, raw in enumerate(candidates)]
        if not self.items:
            raise PortfolioError("no_candidates", "There is no candidate scheme.")
        seen = set()
        for item in self.items:
            if item.id in seen:
                raise PortfolioError(
                    "duplicate_id", f"Candidate id {item.id!r} appears twice.", candidate=item.id
                )
            seen.add(item.id)
        self.time_limit = time_limit
        self.n = len(self.items)
        self.npv = np.array([c.npv for c in self.items], dtype=float)
        self.capex = np.array([c.capex for c in self.items], dtype=float)
        self.must = np.array([c.must_fund for c in self.items], dtype=bool)
        self.min_irr = limits["min_irr"]
        self.screen = [self._screen(c) for c in self.items]
        self.open = np.array(
            [s is None or c.must_fund for c, s in zip(self.items, self.screen, strict=True)],
            dtype=bool,
        )
        # Only these are variables: a scheme with NPV <= 0 cannot raise the
        # total, so it is never funded unless it must be (the tie rule).
        self.var_idx = np.flatnonzero(self.open & (self.must | (self.npv > 0)))
        self.rows = self._rows(limits)
        # The same rows as arrays, for the checks made once per candidate.
        self.coefs = np.array([row.coef for row in self.rows]).reshape(len(self.rows), self.n)
        self.limits = np.array([row.limit for row in self.rows], dtype=float)
        self.ceilings = self.limits + _LIMIT_EPS * np.maximum(1.0, np.abs(self.limits))
        self.groups: dict[Hashable, list[int]] = {}
        for i, c in enumerate(self.items):
            if c.group is not None:
                self.groups.setdefault(c.group, []).append(i)
        opened = self.npv[self.open]
        self.npv_scale = float(np.abs(opened).max()) if opened.size else 0.0
        self.npv_scale = self.npv_scale or 1.0
        self.tolerance = _NPV_TIE * self.npv_scale
        self.row_scale: dict[int, float] = {}
        self.matrix, self.high, self.row_of = self._matrix()

    def _screen(self, c: Candidate) -> tuple[str, dict] | None:
        """The reason a candidate is not offered to the optimiser, if any."""
        if c.excluded:
            return ("excluded", {})
        if self.min_irr is not None:
            if c.irr is None:
                return ("no_irr", {"min_irr": self.min_irr})
            if c.irr < self.min_irr:
                return ("below_min_irr", {"irr": c.irr, "min_irr": self.min_irr})
        return None

    def _rows(self, limits: dict) -> list[_Row]:
        rows = []
        if limits["budget"] is not None:
            rows.append(_Row("budget", None, limits["budget"], self.capex.copy()))
        for year, limit in enumerate(limits["budget_by_year"] or ()):
            if limit is None:
                continue
            coef = np.zeros(self.n)
            for i, c in enumerate(self.items):
                if c.capex_by_year is None:
                    coef[i] = c.capex if year == 0 else 0.0
                elif year < len(c.capex_by_year):
                    coef[i] = c.capex_by_year[year]
            rows.append(_Row("budget_year", year, limit, coef))
        for kind in ("client", "industry"):
            uniform, per_key = limits[f"{kind}_cap"], limits[f"{kind}_caps"]
            keys = dict.fromkeys(getattr(c, kind) for c in self.items)
            for key in keys:
                if key is None:
                    continue
                limit = per_key[key] if key in per_key else uniform
                if limit is None:
                    continue
                coef = np.array(
                    [c.capex if getattr(c, kind) == key else 0.0 for c in self.items], dtype=float
                )
                rows.append(_Row(kind, key, limit, coef))
        if limits["engineer_months"] is not None:
            months = np.array([c.engineer_months for c in self.items], dtype=float)
            rows.append(_Row("engineer_months", None, limits["engineer_months"], months))
        return rows

    def _matrix(self):
        """The MILP rows over the variables: limits, groups, identical schemes.

        A limit that all the variables together respect is left out (it cannot
        bind), which keeps the programme small when most caps are loose.
        ``row_of[r]`` is the matrix row of limit ``r``, or None.
        """
        idx = self.var_idx
        matrix, high, row_of = [], [], []
        for r, row in enumerate(self.rows):
            coef = row.coef[idx]
            if _fits(math.fsum(coef.tolist()), row.limit):
                row_of.append(None)
                continue
            scale = row.limit if row.limit > 0 else float(coef.max())
            self.row_scale[r] = scale
            row_of.append(len(matrix))
            matrix.append(coef / scale)
            high.append(row.limit / scale)
        for members in self.groups.values():
            inside = np.isin(idx, members)
            if inside.sum() > 1:
                matrix.append(inside.astype(float))
                high.append(1.0)
        # Identical schemes (same figures, keys and group): the later one is
        # only funded if the earlier one is, which is the tie rule and spares
        # the solver exploring their permutations.
        previous = {}
        for position, i in enumerate(idx):
            c = self.items[i]
            if c.must_fund:
                continue
            signature = (
                float(self.npv[i]),
                c.client,
                c.industry,
                c.group,
                self.coefs[:, i].tobytes(),
            )
            if signature in previous:
                pair = np.zeros(idx.size)
                pair[position], pair[previous[signature]] = 1.0, -1.0
                matrix.append(pair)
                high.append(0.0)
            previous[signature] = position
        return np.array(matrix).reshape(len(matrix), idx.size), np.array(high), row_of

    # ------------------------------------------------------------------

    def usage(self, row: _Row, chosen: np.ndarray) -> float:
        return math.fsum(row.coef[chosen].tolist())

    def total(self, values: np.ndarray, chosen: np.ndarray) -> float:
        return math.fsum(values[chosen].tolist())

    def check_commitments(self) -> None:
        """Raise ``infeasible`` when the must-fund schemes alone break a constraint."""
        violations = []
        for row in self.rows:
            usage = self.usage(row, self.must)
            if not _fits(usage, row.limit):
                ids = [self.items[i].id for i in np.flatnonzero(self.must & (row.coef > 0))]
                violations.append(
                    {**row.ref(), "limit": row.limit, "usage": usage, "candidates": ids}
                )
        for key, members in self.groups.items():
            committed = [self.items[i].id for i in members if self.must[i]]
            if len(committed) > 1:
                violations.append(
                    {
                        "kind": "group",
                        "key": key,
                        "limit": 1,
                        "usage": len(committed),
                        "candidates": committed,
                    }
                )
        if violations:
            first = violations[0]
            raise PortfolioError(
                "infeasible",
                f"The must-fund schemes alone break the {first['kind']} constraint "
                f"{first['key']!r}: {first['usage']} > {first['limit']}.",
                **first,
                violations=violations,
            )

    # ------------------------------------------------------------------

    def solve(self, omit=frozenset()) -> np.ndarray | None:
        """A maximum-NPV ``chosen`` mask without the limits of index in ``omit``.

        Returns None when HiGHS hit the time limit; raises ``solver_failed``
        for any other answer that is not a proven optimum.
        """
        idx = self.var_idx
        chosen = np.zeros(self.n, dtype=bool)
        if idx.size == 0:
            return chosen
        keep = np.ones(len(self.high), dtype=bool)
        for r in omit:
            if self.row_of[r] is not None:
                keep[self.row_of[r]] = False
        checked = [r for r in range(len(self.rows)) if r not in omit]
        high = self.high.copy()
        for _attempt in range(_TIGHTEN_ATTEMPTS + 1):
            constraints = (
                LinearConstraint(self.matrix[keep], -np.inf, high[keep]) if keep.any() else None
            )
            result = milp(
                -self.npv[idx] / self.npv_scale,
                integrality=np.ones(idx.size),
                bounds=Bounds(self.must[idx].astype(float), 1.0),
                constraints=constraints,
                options={"time_limit": self.time_limit, "mip_rel_gap": 0.0},
            )
            if result.status == 1:
                return None
            if result.status != 0 or result.x is None:
                raise PortfolioError(
                    "solver_failed",
                    f"HiGHS gave no solution: {result.message}",
                    status=int(result.status),
                    message=str(result.message),
                )
            values = np.asarray(result.x)
            if np.abs(values - np.round(values)).max() > _INTEGRALITY:
                raise PortfolioError(
                    "solver_failed",
                    "HiGHS returned a fractional solution.",
                    status=int(result.status),
                    message="fractional solution",
                )
            chosen[:] = False
            chosen[idx] = np.round(values) > 0.5
            over = False
            for r in checked:
                row = self.rows[r]
                usage = self.usage(row, chosen)
                if _fits(usage, row.limit):
                    continue
                excess = usage - row.limit
                if excess > _HAIR * max(1.0, abs(row.limit)):
                    raise PortfolioError(
                        "solver_failed",
                        f"HiGHS returned a portfolio over the {row.kind} limit.",
                        status=int(result.status),
                        message="limit exceeded",
                    )
                # HiGHS accepted a hair over the limit (its own feasibility
                # tolerance): ask again with that much less room.
                excess += _LIMIT_EPS * max(1.0, abs(row.limit))
                high[self.row_of[r]] -= excess / self.row_scale[r]
                over = True
            if not over:
                return chosen
        raise PortfolioError(
            "solver_failed",
            "HiGHS kept returning portfolios over a limit.",
            status=int(result.status),
            message="limit exceeded after tightening",
        )

    def optimum(self) -> np.ndarray:
        """The optimal portfolio; PortfolioError ``time_limit`` if not found in time."""
        chosen = self.solve()
        if chosen is None:
            raise PortfolioError(
                "time_limit",
                f"The solver did not finish within {self.time_limit} s.",
                seconds=self.time_limit,
            )
        return chosen


# --------------------------------------------------------------------------
# Explanations
# --------------------------------------------------------------------------


def _addable(model: _Model, chosen: np.ndarray) -> np.ndarray:
    """Unfunded open positive-NPV candidates whose group has nothing funded."""
    mask = model.open & ~chosen & (model.npv > 0)
    for members in model.groups.values():
        if chosen[members].any():
            mask[members] = False
    return mask


def _constraint_reports(model: _Model, chosen: np.ndarray, explain_binding: bool):
    best = model.total(model.npv, chosen)

    def gain(omit) -> float | None:
        relaxed = model.solve(frozenset(omit))
        return None if relaxed is None else model.total(model.npv, relaxed) - best

    addable = _addable(model, chosen)
    # What a relaxed limit could let in: funded alternatives do not matter,
    # since without the limit the optimum may swap them.
    wanting = model.open & ~chosen & (model.npv > 0)
    usages = [model.usage(row, chosen) for row in model.rows]
    verdict: dict[int, tuple[bool | None, float | None]] = {}
    suspects = []
    for r, row in enumerate(model.rows):
        if _fits(usages[r] + model.total(row.coef, wanting), row.limit):
            verdict[r] = (False, 0.0)  # even funding all of them would respect it
        elif not explain_binding:
            verdict[r] = (None, None)
        else:
            suspects.append(r)
    families: dict[str, list[int]] = {}
    for r in suspects:
        families.setdefault(model.rows[r].kind, []).append(r)
    for members in families.values():
        # Removing one limit gains at most what removing its whole family
        # gains: one solve clears a family of caps that do not bind.
        if len(members) > 1:
            joint = gain(members)
            if joint is not None and joint <= model.tolerance:
                verdict.update(dict.fromkeys(members, (False, 0.0)))
    for r in suspects:
        if r not in verdict:
            value = gain([r])
            if value is None:
                verdict[r] = (None, None)
            elif value > model.tolerance:
                verdict[r] = (True, value)
            else:
                verdict[r] = (False, 0.0)
    reports = []
    for r, row in enumerate(model.rows):
        needs = row.coef[addable]
        needs = needs[needs > 0]
        tight = bool(needs.size) and not _fits(usages[r] + float(needs.min()), row.limit)
        binding, npv_gain = verdict[r]
        reports.append(
            ConstraintReport(
                kind=row.kind,
                key=row.key,
                limit=row.limit,
                usage=usages[r],
                slack=row.limit - usages[r],
                tight=tight,
                binding=binding,
                npv_gain=npv_gain,
            )
        )
    return tuple(reports)


def _decisions(model: _Model, chosen: np.ndarray) -> tuple[Decision, ...]:
    usages = np.array([model.usage(row, chosen) for row in model.rows], dtype=float)
    funded_in_group = {}
    for key, members in model.groups.items():
        for i in members:
            if chosen[i]:
                funded_in_group[key] = model.items[i].id
    decisions = []
    for i, c in enumerate(model.items):
        reason, params = model.screen[i] or (None, {})
        if chosen[i]:
            if c.must_fund:
                reason, params = (
                    "must_fund",
                    {"below_min_irr": reason in ("below_min_irr", "no_irr")},
                )
            else:
                reason, params = "selected", {}
        elif reason is None:
            reason, params = _why_not(model, i, usages, funded_in_group)
        decisions.append(Decision(c.id, c.label, bool(chosen[i]), reason, params))
    return tuple(decisions)


def _why_not(model: _Model, i: int, usages: np.ndarray, funded_in_group) -> tuple[str, dict]:
    c = model.items[i]
    needs = model.coefs[:, i]
    too_large = [
        {**model.rows[r].ref(), "requirement": float(needs[r]), "limit": model.rows[r].limit}
        for r in np.flatnonzero(needs > model.ceilings)
    ]
    if too_large:
        return "too_large", {"constraints": too_large}
    if c.npv <= 0:
        return "non_positive_npv", {"npv": c.npv}
    if c.group in funded_in_group:
        return "alternative_chosen", {"group": c.group, "chosen": funded_in_group[c.group]}
    broken = []
    for r in np.flatnonzero((needs > 0) & (usages + needs > model.ceilings)):
        need, slack = float(needs[r]), float(model.limits[r] - usages[r])
        broken.append(
            {**model.rows[r].ref(), "requirement": need, "slack": slack, "shortfall": need - slack}
        )
    if broken:
        return "does_not_fit", {"constraints": broken}
    return "not_worth", {"npv": c.npv}


def _greedy(model: _Model, chosen_opt: np.ndarray) -> GreedyComparison:
    chosen = model.must.copy()
    usages = np.array([model.usage(row, chosen) for row in model.rows], dtype=float)
    groups_used = {model.items[i].group for i in np.flatnonzero(chosen)}
    order = [i for i in np.flatnonzero(model.open & ~model.must) if model.npv[i] > 0]

    def rank(i):
        capex = model.capex[i]
        ratio = math.inf if capex == 0 else model.npv[i] / capex
        return (-ratio, -model.npv[i], i)

    picked = [int(i) for i in np.flatnonzero(chosen)]
    for i in sorted(order, key=rank):
        group = model.items[i].group
        if group is not None and group in groups_used:
            continue
        new = usages + model.coefs[:, i]
        if np.all(new <= model.ceilings):
            chosen[i] = True
            usages = new
            picked.append(int(i))
            if group is not None:
                groups_used.add(group)
    npv = model.total(model.npv, chosen)
    optimum = model.total(model.npv, chosen_opt)
    ids = [c.id for c in model.items]
    return GreedyComparison(
        chosen=tuple(ids[i] for i in picked),
        npv=npv,
        capex=model.total(model.capex, chosen),
        npv_gap=max(0.0, optimum - npv),
        only_in_optimum=tuple(ids[i] for i in np.flatnonzero(chosen_opt & ~chosen)),
        only_in_greedy=tuple(ids[i] for i in np.flatnonzero(chosen & ~chosen_opt)),
    )


# --------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------


def _limits(
    budget,
    budget_by_year,
    min_irr,
    client_cap,
    client_caps,
    industry_cap,
    industry_caps,
    engineer_months,
) -> dict:
    """Validated limits (module docstring, "Limits")."""
    limits = {}
    limits["budget"] = (
        None
        if budget is None
        else _amount(budget, "bad_budget", f"Budget must be a number >= 0, got {budget!r}.")
    )
    years = None
    if budget_by_year is not None:
        years = []
        for year, value in enumerate(budget_by_year):
            years.append(
                None
                if value is None
                else _amount(
                    value,
                    "bad_budget_by_year",
                    f"Budget of year {year} must be a number >= 0, got {value!r}.",
                    year=year,
                )
            )
    limits["budget_by_year"] = years
    if min_irr is not None:
        value = _number(min_irr)
        if not value > -1.0:
            raise PortfolioError(
                "bad_min_irr",
                f"Minimum IRR must be a fraction above -1, got {min_irr!r}.",
                value=min_irr,
            )
        min_irr = value
    limits["min_irr"] = min_irr
    for kind, uniform, per_key in (
        ("client", client_cap, client_caps),
        ("industry", industry_cap, industry_caps),
    ):
        message = f"The {kind} cap must be a number >= 0."
        limits[f"{kind}_cap"] = (
            None if uniform is None else _amount(uniform, "bad_cap", message, kind=kind, key=None)
        )
        caps = {}
        for key, value in (per_key or {}).items():
            caps[_key(key)] = (
                None if value is None else _amount(value, "bad_cap", message, kind=kind, key=key)
            )
        limits[f"{kind}_caps"] = caps
    limits["engineer_months"] = (
        None
        if engineer_months is None
        else _amount(
            engineer_months,
            "bad_engineer_capacity",
            f"Engineer-months available must be a number >= 0, got {engineer_months!r}.",
        )
    )
    return limits


def optimise(
    candidates: Iterable[Candidate | Mapping],
    budget: float | None = None,
    *,
    budget_by_year: Sequence[float | None] | None = None,
    min_irr: float | None = None,
    client_cap: float | None = None,
    client_caps: Mapping[Hashable, float | None] | None = None,
    industry_cap: float | None = None,
    industry_caps: Mapping[Hashable, float | None] | None = None,
    engineer_months: float | None = None,
    time_limit: float = 10.0,
    explain_binding: bool = True,
) -> Portfolio:
    """The portfolio of maximum total NPV within the limits, with its explanation.

    See the module docstring for the candidates, the limits, the tie rules and
    the explanations. ``time_limit`` (seconds) applies to each HiGHS solve;
    ``explain_binding=False`` skips the re-solves that tell which constraints
    bind (then ``binding`` is None wherever it would need one). Raises
    :class:`PortfolioError` (bad input, ``infeasible`` commitments,
    ``time_limit``, ``solver_failed``).
    """
    started = time.perf_counter()
    seconds = _number(time_limit)
    if not seconds > 0:
        raise PortfolioError(
            "bad_time_limit",
            f"Time limit must be a number > 0, got {time_limit!r}.",
            value=time_limit,
        )
    limits = _limits(
        budget,
        budget_by_year,
        min_irr,
        client_cap,
        client_caps,
        industry_cap,
        industry_caps,
        engineer_months,
    )
    model = _Model(list(candidates), limits, seconds)
    model.check_commitments()
    chosen = model.optimum()
    capex = model.total(model.capex, chosen)
    months = np.array([c.engineer_months for c in model.items], dtype=float)
    return Portfolio(
        chosen=tuple(model.items[i].id for i in np.flatnonzero(chosen)),
        npv=model.total(model.npv, chosen),
        capex=capex,
        budget_left=None if limits["budget"] is None else limits["budget"] - capex,
        engineer_months=model.total(months, chosen),
        constraints=_constraint_reports(model, chosen, explain_binding),
        decisions=_decisions(model, chosen),
        greedy=_greedy(model, chosen),
        tolerance=model.tolerance,
        seconds=time.perf_counter() - started,
    )


def cost_of_funding(
    candidates: Iterable[Candidate | Mapping],
    candidate_id: Hashable,
    budget: float | None = None,
    **limits: Any,
) -> FundingCost:
    """What the total NPV loses when ``candidate_id`` is funded as well.

    Solves the optimum twice, as it is and with the candidate made must-fund
    (which lifts its ``excluded`` flag and its IRR screen), with the same
    ``budget`` and keyword limits as :func:`optimise` (binding constraints are
    not analysed unless ``explain_binding=True`` is passed). Raises
    PortfolioError ``bad_candidate`` (params ``position`` None, ``keys``
    ["id"]) when no candidate has that id, ``infeasible`` when it cannot be
    funded at all together with the must-fund schemes, and every error of
    :func:`optimise`.
    """
    limits.setdefault("explain_binding", False)
    items = list(candidates)
    base = optimise(items, budget, **limits)
    forced = []
    found = False
    for raw in items:
        item = raw if isinstance(raw, Candidate) else _candidate(len(forced), raw)
        if item.id == candidate_id:
            item = dataclasses.replace(item, must_fund=True, excluded=False)
            found = True
        forced.append(item)
    if not found:
        raise PortfolioError(
            "bad_candidate",
            f"No candidate has the id {candidate_id!r}.",
            position=None,
            keys=["id"],
        )
    other = optimise(forced, budget, **limits)
    return FundingCost(
        candidate=candidate_id,
        npv_loss=max(0.0, base.npv - other.npv),
        portfolio=other,
        dropped=tuple(i for i in base.chosen if i not in set(other.chosen)),
        added=tuple(i for i in other.chosen if i not in set(base.chosen)),
    )
