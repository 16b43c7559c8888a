"""Merkle tree over the evidence log (RFC 9162 §2.1, as Certificate Transparency).

This module is deliberately pure Python (standard library only, no ORM): the
Odoo models call it when they anchor the chain heads and export an evidence
package, and an auditor's verifier runs it without Odoo.

Tree hash
---------
The Merkle Tree Hash (MTH) of RFC 9162 §2.1.1 (identical to RFC 6962 §2.1),
with SHA-256 and domain separation between leaves and interior nodes:

* ``MTH([]) = SHA-256(b"")`` (:data:`EMPTY_ROOT`);
* ``MTH([d]) = leaf_hash(d) = SHA-256(0x00 || d)``;
* ``MTH(D[n]) = node_hash(MTH(D[0:k]), MTH(D[k:n])) = SHA-256(0x01 || left ||
  right)``, where ``k`` is the largest power of two smaller than ``n``.

The tree is therefore fully determined by its size: subtree ``[a, b)`` is a
*perfect* subtree when ``b - a`` is a power of two (and then ``a`` is a
multiple of it), and only the right edge of the tree holds imperfect ones.
Every hash in this API is the raw 32-byte digest (``bytes``); the leaves are
given as their leaf hashes (the caller applies :func:`leaf_hash` to the leaf
data), so a proof never needs the leaf data itself.

Proofs
------
* Inclusion proof of leaf ``index`` in the tree of ``size`` leaves: the
  audit path ``PATH(index, D[size])`` of RFC 9162 §2.1.3.1, sibling hashes
  from the leaf up to the root; checked by :func:`verify_inclusion` with the
  algorithm of §2.1.3.2.
* Consistency proof between sizes ``old_size <= new_size``: ``PROOF(old_size,
  D[new_size]) = SUBPROOF(old_size, D[new_size], true)`` of §2.1.4.1, checked
  by :func:`verify_consistency` with the algorithm of §2.1.4.2. The proof is
  empty when ``old_size`` is 0 or equals ``new_size``; then the roots must be
  :data:`EMPTY_ROOT` (resp. equal to each other), a stricter rule than
  RFC 9162, which leaves these sizes undefined.

A proof binds the tree size only through its shape (the number of levels
and which side each sibling is on): a proof for ``(index, size)`` can also
verify for some other sizes with the same shape. What is anchored must
therefore be the pair (size, root), as a Certificate Transparency signed tree
head is, never the root alone.

The proof generators read the leaf hashes once, in leaf order, and never
hold more than O(log n) of them: :func:`inclusion_proofs` and
:func:`consistency_proofs` accept any iterable (a generator over a database
cursor) and serve many proofs from one pass, in O(k·log n + log n) memory for
k requested proofs. They stop reading after the largest size they need, so
an iterable longer than that is fine; a shorter one raises ValueError.

:class:`CompactRange` (the tree's "frontier") keeps the roots of the perfect
subtrees on the right edge, one per set bit of the size, largest first. It
gives the root in O(log n) and is persisted with :meth:`CompactRange.to_list`
/ :meth:`CompactRange.from_list`, so that the tree is extended between two
anchors from the new leaves only.

Failures
--------
Every malformed argument raises ValueError with a message that names it: a
hash that is not 32 bytes (or not bytes at all: hex text is refused, use
``bytes.fromhex``), a size or index that is not a non-negative integer,
``index >= size``, ``old_size > new_size``, fewer leaves than the size, a
compact range whose hash count does not match its size. The verification
functions return False for a proof that is well formed but wrong (altered
hash, wrong index, wrong leaf or root, missing or extra elements); they raise only
for malformed arguments, which a verifier reports as a damaged package.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CompactRange",
    "consistency_proof",
    "consistency_proofs",
    "inclusion_proof",
    "inclusion_proofs",
    "leaf_hash",
    "node_hash",
    "root_from_leaf_hashes",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


# --------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------


def _hash_arg(value: object, what: str) -> bytes:
    """``value`` as 32 raw bytes, else ValueError naming ``what``."""
    if isinstance(value, (bytearray, memoryview)):
        value = bytes(value)
    if not isinstance(value, bytes):
        hint = " (hex text? use bytes.fromhex)" if isinstance(value, str) else ""
        raise ValueError(f"{what} must be {HASH_SIZE} raw bytes, got {type(value).__name__}{hint}.")
    if len(value) != HASH_SIZE:
        raise ValueError(f"{what} must be {HASH_SIZE} bytes long, got {len(value)}.")
    return value


def _proof_arg(proof: Sequence[bytes], what: str = "proof") -> list[bytes]:
    if isinstance(proof, (bytes, bytearray, memoryview, str)):
        raise ValueError(
            f"{what} must be a sequence of hashes, not a single {type(proof).__name__}."
        )
    try:
        items = list(proof)
    except TypeError:
        raise ValueError(
            f"{what} must be a sequence of hashes, got {type(proof).__name__}."
        ) from None
    return [_hash_arg(item, f"{what}[{i}]") for i, item in enumerate(items)]


def _size_arg(value: object, what: str) -> int:
    """``value`` as a non-negative int (bools refused), else ValueError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be an integer, got {type(value).__name__}.")
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {value}.")
    return value


def _index_arg(index: object, size: int) -> int:
    index = _size_arg(index, "index")
    if index >= size:
        raise ValueError(f"index {index} is out of range for a tree of {size} leaves.")
    return index


def _pair_arg(old_size: object, new_size: object) -> tuple[int, int]:
    old_size = _size_arg(old_size, "old_size")
    new_size = _size_arg(new_size, "new_size")
    if old_size > new_size:
        raise ValueError(f"old_size {old_size} is larger than new_size {new_size}.")
    return old_size, new_size


# --------------------------------------------------------------------------
# Hashing
# --------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 leaf hash: ``SHA-256(0x00 || data)``."""
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise ValueError(f"Leaf data must be bytes, got {type(data).__name__}.")
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash: ``SHA-256(0x01 || left || right)``."""
    left = _hash_arg(left, "left")
    right = _hash_arg(right, "right")
    return _sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


# --------------------------------------------------------------------------
# Compact range
# --------------------------------------------------------------------------


class CompactRange:
    """Right edge of a growing tree: enough to append leaves and get the root.

    The state is the size and the roots of the perfect subtrees that make up
    the tree, one per set bit of the size from the highest bit down: for 6
    leaves, ``[MTH(D[0:4]), MTH(D[4:6])]``. Persist it with :meth:`to_list`
    and :attr:`size`, restore it with :meth:`from_list`.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self) -> None:
        self._size = 0
        self._hashes: list[bytes] = []

    @classmethod
    def from_list(cls, size: int, hashes: Sequence[bytes]) -> CompactRange:
        """Restore a range saved by :meth:`to_list` for a tree of ``size`` leaves.

        ValueError unless there is exactly one 32-byte hash per set bit of
        ``size``.
        """
        size = _size_arg(size, "size")
        hashes = _proof_arg(hashes, "hashes")
        expected = size.bit_count()
        if len(hashes) != expected:
            raise ValueError(
                f"A compact range of {size} leaves has {expected} hashes, got {len(hashes)}."
            )
        compact = cls()
        compact._size = size
        compact._hashes = hashes
        return compact

    def to_list(self) -> list[bytes]:
        """The perfect-subtree roots, largest subtree first (a copy)."""
        return list(self._hashes)

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    def append(self, leaf_hash: bytes) -> None:
        """Append the next leaf, given as its leaf hash (amortised O(1))."""
        node = _hash_arg(leaf_hash, "leaf_hash")
        hashes = self._hashes
        # Each trailing 1 bit of the old size is a perfect subtree of the
        # same height as the node being carried: merge them, like binary +1.
        count = self._size
        while count & 1:
            node = _sha256(b"\x01" + hashes.pop() + node).digest()
            count >>= 1
        hashes.append(node)
        self._size += 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append every leaf hash of ``leaf_hashes``, in order.

        On a bad leaf hash, ValueError; the leaves before it stay appended.
        """
        # append() inlined: this loop runs once per leaf of the log.
        hashes = self._hashes
        pop = hashes.pop
        push = hashes.append
        sha256 = _sha256
        size = self._size
        try:
            for node in leaf_hashes:
                if type(node) is not bytes or len(node) != HASH_SIZE:
                    node = _hash_arg(node, f"leaf hash #{size}")
                count = size
                while count & 1:
                    node = sha256(b"\x01" + pop() + node).digest()
                    count >>= 1
                push(node)
                size += 1
        finally:
            self._size = size

    def root(self) -> bytes:
        """Merkle Tree Hash of the leaves so far (:data:`EMPTY_ROOT` if none)."""
        hashes = self._hashes
        if not hashes:
            return EMPTY_ROOT
        root = hashes[-1]
        for left in reversed(hashes[:-1]):
            root = _sha256(b"\x01" + left + root).digest()
        return root

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size}, root={self.root().hex()})"


def root_from_leaf_hashes(leaf_hashes: Iterable[bytes]) -> bytes:
    """Merkle Tree Hash of ``leaf_hashes`` (read once, O(log n) memory)."""
    compact = CompactRange()
    compact.extend(leaf_hashes)
    return compact.root()


# --------------------------------------------------------------------------
# Proof generation: plan the subtrees, collect them in one pass, combine
# --------------------------------------------------------------------------
#
# A proof is a list of subtree hashes MTH(D[a:b]). Each such subtree of the
# RFC tree is a perfect subtree or lies on the right edge of a tree of size
# b; either way it splits into the perfect subtrees given by the bits of
# b - a, aligned at a. A perfect subtree is a node (level, index) covering
# [index << level, (index + 1) << level), and the streaming pass sees each
# node once, at the moment its last leaf arrives: it keeps those requested.


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Subtrees ``(a, b)`` of ``PATH(index, D[size])``, leaf first."""
    ranges = []
    lo, hi = 0, size
    while hi - lo > 1:
        mid = lo + _split(hi - lo)
        if index < mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo = mid
    ranges.reverse()
    return ranges


def _consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """Subtrees ``(a, b)`` of ``PROOF(old_size, D[new_size])``, in proof order."""
    if old_size == 0 or old_size == new_size:
        return []
    ranges = []
    lo, hi = 0, new_size
    complete = True  # the "b" flag of SUBPROOF: D[lo:hi] is the whole old tree
    while old_size - lo != hi - lo:
        k = _split(hi - lo)
        if old_size - lo <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
            complete = False
    if not complete:
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


def _range_nodes(a: int, b: int) -> list[tuple[int, int]]:
    """Perfect nodes ``(level, index)`` making up subtree ``[a, b)``, left first."""
    nodes = []
    width = b - a
    for level in range(width.bit_length() - 1, -1, -1):
        if width >> level & 1:
            nodes.append((level, a >> level))
            a += 1 << level
    return nodes


def _collect(leaf_hashes: Iterable[bytes], size: int, wanted: set[tuple[int, int]]) -> dict:
    """Read ``size`` leaf hashes once; return the hashes of the ``wanted`` nodes."""
    by_level: list[set[int]] = [set() for _ in range(size.bit_length() + 1)]
    for level, index in wanted:
        by_level[level].add(index)
    found: dict[tuple[int, int], bytes] = {}
    want_leaf = by_level[0]
    stack: list[bytes] = []
    pop = stack.pop
    push = stack.append
    sha256 = _sha256
    count = 0
    for node in itertools.islice(leaf_hashes, size):
        if type(node) is not bytes or len(node) != HASH_SIZE:
            node = _hash_arg(node, f"leaf hash #{count}")
        if count in want_leaf:
            found[0, count] = node
        index = count
        level = 0
        while index & 1:
            node = sha256(b"\x01" + pop() + node).digest()
            index >>= 1
            level += 1
            if index in by_level[level]:
                found[level, index] = node
        push(node)
        count += 1
    if count < size:
        raise ValueError(f"Expected {size} leaf hashes, got only {count}.")
    return found


def _combine(nodes: list[tuple[int, int]], found: dict) -> bytes:
    """MTH of a subtree from its perfect nodes (right fold, as the tree splits)."""
    root = found[nodes[-1]]
    for node in reversed(nodes[:-1]):
        root = _sha256(b"\x01" + found[node] + root).digest()
    return root


def _proofs(leaf_hashes: Iterable[bytes], plans: dict, size: int) -> dict:
    """Build every planned proof (``key -> list of ranges``) from one pass."""
    split = {key: [_range_nodes(a, b) for a, b in ranges] for key, ranges in plans.items()}
    wanted = {node for ranges in split.values() for nodes in ranges for node in nodes}
    found = _collect(leaf_hashes, size, wanted)
    return {key: [_combine(nodes, found) for nodes in ranges] for key, ranges in split.items()}


def inclusion_proofs(
    leaf_hashes: Iterable[bytes], indices: Iterable[int], size: int
) -> dict[int, list[bytes]]:
    """Inclusion proofs of several leaves in the tree of ``size`` leaves.

    ``leaf_hashes`` is read once, in leaf order, and only its first ``size``
    items (a server-side cursor over the events in chain order, say);
    returns ``{index: proof}`` for each distinct index.
    """
    size = _size_arg(size, "size")
    plans = {}
    for index in indices:
        index = _index_arg(index, size)
        plans[index] = _inclusion_ranges(index, size)
    if not plans:
        return {}
    return _proofs(leaf_hashes, plans, size)


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, size: int) -> list[bytes]:
    """Inclusion proof (audit path) of leaf ``index`` in the first ``size`` leaves."""
    size = _size_arg(size, "size")
    index = _index_arg(index, size)
    return inclusion_proofs(iter(leaf_hashes), [index], size)[index]


def consistency_proofs(
    leaf_hashes: Iterable[bytes], pairs: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], list[bytes]]:
    """Consistency proofs for several ``(old_size, new_size)`` pairs in one pass.

    ``leaf_hashes`` is read once, up to the largest ``new_size``; returns
    ``{(old_size, new_size): proof}``.
    """
    plans = {}
    for pair in pairs:
        try:
            old_size, new_size = pair
        except (TypeError, ValueError):
            raise ValueError(f"Each pair must be (old_size, new_size), got {pair!r}.") from None
        key = _pair_arg(old_size, new_size)
        plans[key] = _consistency_ranges(*key)
    if not plans:
        return {}
    return _proofs(leaf_hashes, plans, max(new for _old, new in plans))


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int, new_size: int) -> list[bytes]:
    """Consistency proof between the trees of the first ``old_size`` and ``new_size`` leaves."""
    key = _pair_arg(old_size, new_size)
    return consistency_proofs(iter(leaf_hashes), [key])[key]


# --------------------------------------------------------------------------
# Verification (RFC 9162 §2.1.3.2 and §2.1.4.2)
# --------------------------------------------------------------------------


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """True if ``proof`` shows that ``leaf_hash`` is leaf ``index`` of the tree ``root``.

    ``size`` is the tree size the root was computed for. False for a wrong
    proof; ValueError for malformed arguments (``index >= size`` included).
    """
    leaf = _hash_arg(leaf_hash, "leaf_hash")
    root = _hash_arg(root, "root")
    size = _size_arg(size, "size")
    index = _index_arg(index, size)
    path = _proof_arg(proof)
    fn, sn = index, size - 1
    node = leaf
    for sibling in path:
        if sn == 0:
            return False  # more hashes than the tree has levels
        if fn & 1 or fn == sn:
            node = _sha256(b"\x01" + sibling + node).digest()
            # An even fn equal to sn is a last node without a right sibling:
            # it is promoted unchanged through the levels where fn stays even.
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            node = _sha256(b"\x01" + node + sibling).digest()
        fn >>= 1
        sn >>= 1
    return sn == 0 and node == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True if ``proof`` shows that tree ``old_root`` is a prefix of tree ``new_root``.

    False for a wrong proof; ValueError for malformed arguments
    (``old_size > new_size`` included).
    """
    old_size, new_size = _pair_arg(old_size, new_size)
    old_root = _hash_arg(old_root, "old_root")
    new_root = _hash_arg(new_root, "new_root")
    path = _proof_arg(proof)
    if old_size == new_size:
        return not path and old_root == new_root
    if old_size == 0:
        return not path and old_root == EMPTY_ROOT
    if not path:
        return False
    if old_size & (old_size - 1) == 0:
        # The old tree is a perfect subtree of the new one: the proof leaves
        # out its root, which the verifier already has.
        path = [old_root, *path]
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = _sha256(b"\x01" + node + fr).digest()
            sr = _sha256(b"\x01" + node + sr).digest()
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = _sha256(b"\x01" + sr + node).digest()
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
