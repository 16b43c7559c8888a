"""Feasibility score of an EMC project (可行性分析): four sub-scores, a total, a verdict.

This module is deliberately pure Python (standard library only, no ORM): the
model ``emc.project`` gathers plain values, calls :func:`assess` and
translates the reasons it gets back; the unit tests exercise every branch
without a database.

Inputs
------
* ``present``: the codes of :data:`COMPLETENESS_ITEMS` for which the project
  has its data (a site, its energy use, ...). Each item counts on its own: a
  project without a site lacks the site, its energy use and its equipment.
* ``payback_years``: simple payback of the selected scheme; ``None`` or ``0``
  when there is no scheme or it never pays back (the scheme's convention).
* ``term_years``: contract term, a whole number of years above zero.
* ``credit_rating``: one of :data:`CREDIT_SCORES`, or ``None``/``""`` when
  unknown.
* ``open_risk_scores``: the probability × impact scores (0..25) of the open
  risks entered by hand (the automatic flags are not counted: they derive
  from the very data scored here).

Scores (each 0..100)
--------------------
* completeness: ``100 × present / len(COMPLETENESS_ITEMS)``, from 0 to 100.
* payback: by the share of the term the payback takes, in the bands of
  :data:`PAYBACK_BANDS` (≤ 50 % → 100, ≤ 80 % → 70, ≤ 100 % → 40), else 0;
  0 without payback.
* credit: :data:`CREDIT_SCORES` of the rating, :data:`UNKNOWN_CREDIT_SCORE`
  when unknown (unknown credit is a risk in itself).
* risk: ``100 − RISK_PENALTY_PER_POINT × worst score``, at least 0; 100 when
  no risk is open.
* total: the :data:`WEIGHTS` average (weights sum to 1), rounded to 0.1.

Verdict
-------
``"no_go"`` whenever the payback scores 0 (the project does not pay back
within its term, whatever else it has); otherwise ``"go"`` from
:data:`GO_THRESHOLD`, ``"conditional"`` from :data:`CONDITIONAL_THRESHOLD`,
else ``"no_go"``.

Reasons
-------
:attr:`Assessment.reasons` lists, in this order, one :class:`Reason` per
sub-score and one for the verdict; each has a ``code`` and the ``params`` its
message needs (numbers, and item codes for ``missing_data``). The caller owns
the wording and the translation:

==========================  =============================================
code                        params
==========================  =============================================
``missing_data``            ``items`` (tuple of item codes, in data order)
``complete``                –
``no_payback``              –
``payback``                 ``payback``, ``term``, ``pct`` (share × 100)
``credit``                  ``rating``
``credit_unknown``          –
``risks``                   ``count``, ``score`` (worst), ``max``
``no_risk``                 –
``verdict_no_payback``      –
``verdict_go``              ``score``, ``threshold``
``verdict_conditional``     ``score``, ``low``, ``high``
``verdict_no_go``           ``score``, ``threshold``
==========================  =============================================

Failures
--------
:func:`assess` raises ``ValueError`` for an item code outside
:data:`COMPLETENESS_ITEMS`, a term that is not a positive whole number, a
negative payback, a rating outside :data:`CREDIT_SCORES`, or a risk score
outside 0..:data:`RISK_SCORE_MAX`.
"""

from dataclasses import dataclass, field

# The data a feasibility study needs, in the order they are reported missing.
COMPLETENESS_ITEMS = (
    "site",
    "site_energy",
    "equipment",
    "scheme",
    "scheme_lines",
    "engineer",
    "credit_rating",
)

WEIGHTS = {"completeness": 0.20, "payback": 0.35, "credit": 0.25, "risk": 0.20}

# (largest share of the term, score), tightest band first; beyond the last: 0.
PAYBACK_BANDS = ((0.5, 100.0), (0.8, 70.0), (1.0, 40.0))
PAYBACK_BEYOND_TERM_SCORE = 0.0

# Score of each credit rating (AAA best); an unknown rating is a risk in itself.
CREDIT_SCORES = {"AAA": 100.0, "AA": 90.0, "A": 80.0, "BBB": 60.0, "BB": 40.0, "B": 20.0, "C": 0.0}
UNKNOWN_CREDIT_SCORE = 30.0

# A risk scores probability × impact, each 1..5; the worst possible risk scores 0.
RISK_SCORE_MAX = 25
RISK_PENALTY_PER_POINT = 100.0 / RISK_SCORE_MAX

GO_THRESHOLD = 75.0
CONDITIONAL_THRESHOLD = 55.0

GO = "go"
CONDITIONAL = "conditional"
NO_GO = "no_go"


@dataclass(frozen=True)
class Reason:
    """One line of the explanation: a code and the values its message shows."""

    code: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Assessment:
    """The scores (0..100), the verdict and its reasons."""

    completeness_score: float
    payback_score: float
    credit_score: float
    risk_score: float
    total_score: float
    recommendation: str
    reasons: tuple
    missing: tuple


def completeness(present):
    """(score, missing item codes) for the items in ``present``."""
    present = set(present)
    unknown = present - set(COMPLETENESS_ITEMS)
    if unknown:
        raise ValueError(f"unknown completeness items: {sorted(unknown)}")
    missing = tuple(item for item in COMPLETENESS_ITEMS if item not in present)
    total = len(COMPLETENESS_ITEMS)
    return 100.0 * (total - len(missing)) / total, missing


def payback_score(payback_years, term_years):
    """(score, share of the term) of a payback; share is None without payback."""
    if isinstance(term_years, bool) or not isinstance(term_years, int) or term_years <= 0:
        raise ValueError(f"the term must be a positive whole number of years: {term_years!r}")
    if payback_years is not None and payback_years < 0:
        raise ValueError(f"negative payback: {payback_years!r}")
    if not payback_years:
        return 0.0, None
    share = payback_years / term_years
    for limit, score in PAYBACK_BANDS:
        if share <= limit:
            return score, share
    return PAYBACK_BEYOND_TERM_SCORE, share


def credit_score(credit_rating):
    """Score of a credit rating; None or "" is unknown."""
    if not credit_rating:
        return UNKNOWN_CREDIT_SCORE
    if credit_rating not in CREDIT_SCORES:
        raise ValueError(f"unknown credit rating: {credit_rating!r}")
    return CREDIT_SCORES[credit_rating]


def risk_score(open_risk_scores):
    """Score of the open risks: the worst one decides."""
    scores = list(open_risk_scores)
    for score in scores:
        if not 0 <= score <= RISK_SCORE_MAX:
            raise ValueError(f"risk score outside 0..{RISK_SCORE_MAX}: {score!r}")
    if not scores:
        return 100.0
    return max(0.0, 100.0 - RISK_PENALTY_PER_POINT * max(scores))


def assess(*, present, payback_years, term_years, credit_rating, open_risk_scores):
    """Score a project from plain values; see the module docstring."""
    open_risk_scores = list(open_risk_scores)
    complete, missing = completeness(present)
    payback, share = payback_score(payback_years, term_years)
    credit = credit_score(credit_rating)
    risk = risk_score(open_risk_scores)

    reasons = [Reason("missing_data", {"items": missing}) if missing else Reason("complete")]
    if share is None:
        reasons.append(Reason("no_payback"))
    else:
        reasons.append(
            Reason("payback", {"payback": payback_years, "term": term_years, "pct": share * 100})
        )
    reasons.append(
        Reason("credit", {"rating": credit_rating}) if credit_rating else Reason("credit_unknown")
    )
    if open_risk_scores:
        reasons.append(
            Reason(
                "risks",
                {
                    "count": len(open_risk_scores),
                    "score": max(open_risk_scores),
                    "max": RISK_SCORE_MAX,
                },
            )
        )
    else:
        reasons.append(Reason("no_risk"))

    total = round(
        WEIGHTS["completeness"] * complete
        + WEIGHTS["payback"] * payback
        + WEIGHTS["credit"] * credit
        + WEIGHTS["risk"] * risk,
        1,
    )
    if payback == 0.0:
        recommendation = NO_GO
        reasons.append(Reason("verdict_no_payback"))
    elif total >= GO_THRESHOLD:
        recommendation = GO
        reasons.append(Reason("verdict_go", {"score": total, "threshold": GO_THRESHOLD}))
    elif total >= CONDITIONAL_THRESHOLD:
        recommendation = CONDITIONAL
        reasons.append(
            Reason(
                "verdict_conditional",
                {"score": total, "low": CONDITIONAL_THRESHOLD, "high": GO_THRESHOLD},
            )
        )
    else:
        recommendation = NO_GO
        reasons.append(
            Reason("verdict_no_go", {"score": total, "threshold": CONDITIONAL_THRESHOLD})
        )
    return Assessment(
        completeness_score=complete,
        payback_score=payback,
        credit_score=credit,
        risk_score=risk,
        total_score=total,
        recommendation=recommendation,
        reasons=tuple(reasons),
        missing=missing,
    )
