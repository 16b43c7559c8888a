"""Field-by-field difference of two versions of a contract's terms, for amendments (合同变更).

Pure Python (standard library only): the ``emc.contract`` model flattens the
terms of the version in force and of the amended version into two dicts
(``{"esco_share_1": 0.9, "price_electricity": Decimal("0.6"), ...}``) and
stores or shows what :func:`diff_terms` returns.

Format
------
Terms are flat: a field name (``str``) maps to a scalar: ``None``, ``bool``,
``int``, ``float``, ``Decimal``, ``str``, ``datetime.date`` or
``datetime.datetime``. The caller flattens structured terms itself (one field
per tier share, a partner's id rather than its ``(id, name)`` pair).

A :class:`TermChange` is ``added`` (the field is only in the new terms),
``removed`` (only in the old ones) or ``changed`` (in both, with different
values); fields with equal values are left out.

Invariants
----------
* Equality is by meaning, not by type: numbers compare as numbers (``1``,
  ``1.0`` and ``Decimal("1.00")`` are equal; a float is read through its
  shortest ``repr``, so ``0.9 == Decimal("0.9")``); ``None`` and ``False``
  are both "empty", as Odoo reads an empty field as ``False``. A bool equals
  only a bool (``True`` is not the number 1). Strings, dates and datetimes
  compare as they are (a date never equals a datetime).
* The order is stable whatever the dicts' insertion order: the fields named in
  ``order`` first, in that order, then the others sorted by name.
* The values in a change are the caller's own, untouched.

Failure reasons
---------------
``TypeError`` for a field name that is not a string or a value that is not a
scalar (a dict, list, tuple or record); ``ValueError`` for a NaN or infinite
float. Both are programming errors of the caller, not user input, so they
carry no translated message.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["TermChange", "diff_terms"]

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"

_SCALARS = (str, int, float, Decimal, datetime.date)


@dataclass(frozen=True)
class TermChange:
    """One field's change: ``kind`` is ``added``, ``removed`` or ``changed``.

    ``old`` is None for an added field, ``new`` None for a removed one.
    """

    field: str
    kind: str
    old: object
    new: object

    def to_dict(self) -> dict:
        """JSON-compatible form (Decimals as text, dates ISO)."""
        return {
            "field": self.field,
            "kind": self.kind,
            "old": _json(self.old),
            "new": _json(self.new),
        }


def _json(value):
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _key(name, value):
    """A comparison key for ``value`` (module docstring, invariants)."""
    if value is None or value is False:
        return ("empty",)
    if value is True:
        return ("bool", True)
    if not isinstance(value, _SCALARS):
        raise TypeError(f"Term {name!r} is not a scalar: {type(value).__name__}.")
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, (int, Decimal)):
        number = Decimal(value)
        if not number.is_finite():
            raise ValueError(f"Term {name!r} is not a finite number: {value!r}.")
        return ("number", number)
    if isinstance(value, datetime.datetime):
        return ("datetime", value)
    if isinstance(value, datetime.date):
        return ("date", value)
    return ("text", value)


def diff_terms(
    old: Mapping[str, object], new: Mapping[str, object], order: Sequence[str] = ()
) -> tuple[TermChange, ...]:
    """The changes from ``old`` to ``new`` terms, in a stable order (module docstring)."""
    for terms in (old, new):
        for name in terms:
            if not isinstance(name, str):
                raise TypeError(f"Term names must be strings, not {name!r}.")
    keys_old = {name: _key(name, value) for name, value in old.items()}
    keys_new = {name: _key(name, value) for name, value in new.items()}
    names = set(keys_old) | set(keys_new)
    ranked = {name: index for index, name in enumerate(dict.fromkeys(order))}
    changes = []
    for name in sorted(names, key=lambda n: (ranked.get(n, len(ranked)), n)):
        if name not in keys_old:
            changes.append(TermChange(name, ADDED, None, new[name]))
        elif name not in keys_new:
            changes.append(TermChange(name, REMOVED, old[name], None))
        elif keys_old[name] != keys_new[name]:
            changes.append(TermChange(name, CHANGED, old[name], new[name]))
    return tuple(changes)
