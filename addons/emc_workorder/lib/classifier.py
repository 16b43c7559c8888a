"""Weighted keyword classification of service requests (需求分类).

This module is deliberately pure Python (standard library only, no ORM): the
Odoo models feed it the keyword rules of the work-order types, and the unit
tests exercise it without a database.

A request has an optional category chosen by the customer (a work-order type
key) and a free-text description, usually in Chinese. Each work-order type has
weighted keyword rules (:class:`KeywordRule`).

Matching
--------
The description and the keywords are normalised with Unicode NFKC and
``casefold()`` (full-width ``ＡＢＣ１０ｋＶ`` matches ``abc10kv``), and runs of
white space become one space. A keyword matches if it occurs anywhere in the
description as a substring: Chinese has no word boundaries, so there is no
tokenisation, and overlapping keywords (``扩容`` and ``增容扩容``) both match.

Scoring
-------
* A type's score is the sum of the weights of its distinct matched keywords:
  a keyword repeated in the description counts once, and if the same
  (normalised) keyword appears in several rules of one type only the first
  rule counts. A negative weight penalises the type when its keyword matches
  (e.g. ``不需要增容``).
* If the customer chose a category, that type gets ``category_weight`` more
  (even if it has no keyword rules).
* Scores are rounded to 9 decimals, so that floating-point noise cannot turn
  a tie into a win. Only types with a positive score are candidates, sorted
  by score (highest first), then by type key.
* ``confidence`` = top score / sum of the candidates' scores (0 if none).

Decision (``reason`` is a machine code)
---------------------------------------
* no candidate: ``type_key`` None, ``"no_match"``, confidence 0;
* the top score equals the second one: None, ``"conflict"``;
* confidence >= ``threshold``: the top type, with ``"category"`` if it is the
  category the customer chose (the keywords did not outweigh it), else
  ``"keywords"``;
* otherwise: None, ``"low_confidence"``.

A None ``type_key`` means that a dispatcher must classify the request by
hand; ``candidates`` shows them the evidence either way.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "Candidate",
    "Classification",
    "KeywordRule",
    "classify",
    "normalize_text",
]

_SPACES = re.compile(r"\s+")
_SCORE_DIGITS = 9


def normalize_text(text: str | None) -> str:
    """NFKC + casefold, white space collapsed and stripped; None gives ``""``."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).casefold()
    # casefold() may produce characters that NFKC would fold again (rare).
    text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub(" ", text).strip()


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class KeywordRule:
    """``keyword`` (case-insensitive substring) adds ``weight`` to ``type_key``.

    The weight is usually positive; a negative weight penalises the type.
    Raises ValueError for an empty type key, a blank keyword or a
    non-finite weight.
    """

    type_key: str
    keyword: str
    weight: float

    def __post_init__(self) -> None:
        if not isinstance(self.type_key, str) or not self.type_key:
            raise ValueError(f"type_key must be a non-empty string, got {self.type_key!r}.")
        if not isinstance(self.keyword, str) or not normalize_text(self.keyword):
            raise ValueError(f"keyword must be a non-blank string, got {self.keyword!r}.")
        if not _is_number(self.weight) or not math.isfinite(self.weight):
            raise ValueError(f"weight must be a finite number, got {self.weight!r}.")


@dataclass(frozen=True)
class Candidate:
    """A type with a positive score and the keywords (as written, in rule order) that matched."""

    type_key: str
    score: float
    matched: tuple[str, ...]


@dataclass(frozen=True)
class Classification:
    """Result of :func:`classify`; ``type_key`` None means "to a human"."""

    type_key: str | None
    confidence: float
    candidates: tuple[Candidate, ...]
    reason: str


def classify(
    description: str | None,
    rules: Iterable[KeywordRule],
    chosen_category: str | None = None,
    category_weight: float = 3.0,
    threshold: float = 0.6,
) -> Classification:
    """Classify a request; see the module docstring for the rules.

    ``chosen_category`` is the type key the customer picked (None or ``""``
    if none). Raises ValueError if ``category_weight`` is negative or not
    finite, or ``threshold`` is not within 0..1.
    """
    if not _is_number(category_weight) or not math.isfinite(category_weight):
        raise ValueError(f"category_weight must be a finite number, got {category_weight!r}.")
    if category_weight < 0:
        raise ValueError(f"category_weight must not be negative, got {category_weight!r}.")
    if not _is_number(threshold) or not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be within 0..1, got {threshold!r}.")

    text = normalize_text(description)
    weights: dict[str, list[float]] = {}
    matched: dict[str, list[str]] = {}
    seen: dict[str, set[str]] = {}
    if text:
        for rule in rules:
            keyword = normalize_text(rule.keyword)
            type_seen = seen.setdefault(rule.type_key, set())
            if keyword in type_seen or keyword not in text:
                continue
            type_seen.add(keyword)
            weights.setdefault(rule.type_key, []).append(rule.weight)
            matched.setdefault(rule.type_key, []).append(rule.keyword)
    if chosen_category:
        weights.setdefault(chosen_category, []).append(category_weight)

    candidates = []
    for type_key, type_weights in weights.items():
        score = round(math.fsum(type_weights), _SCORE_DIGITS)
        if score > 0:
            candidates.append(Candidate(type_key, score, tuple(matched.get(type_key, ()))))
    candidates.sort(key=lambda c: (-c.score, c.type_key))
    ranked = tuple(candidates)

    if not ranked:
        return Classification(None, 0.0, ranked, "no_match")
    top = ranked[0]
    confidence = round(top.score / math.fsum(c.score for c in ranked), _SCORE_DIGITS)
    if len(ranked) > 1 and ranked[1].score == top.score:
        return Classification(None, confidence, ranked, "conflict")
    if confidence >= threshold:
        reason = "category" if chosen_category == top.type_key else "keywords"
        return Classification(top.type_key, confidence, ranked, reason)
    return Classification(None, confidence, ranked, "low_confidence")
