"""Unit tests of addons/emc_workorder/lib/merkle.py, without Odoo or a database.

Known-answer vectors: the eight-leaf reference tree of Certificate
Transparency, with its roots for every size, its node hashes and its
published inclusion and consistency proofs, from
google/certificate-transparency ``cpp/merkletree/merkle_tree_test.cc``
(kInputs, kSHA256Roots, kSHA256Paths, kSHA256Proofs) and
transparency-dev/merkle ``testonly/constants.go`` (LeafInputs, NodeHashes,
RootHashes, CompactTrees) and ``proof/verify_test.go`` (inclusionProofs,
consistencyProofs, which add the 6 -> 7 consistency proof). Their leaf
numbers are 1-based in the C++ and Go tables; they are 0-based here. The
corruption probes follow ``corruptInclusionProof`` / ``corruptConsistencyProof``
of verify_test.go.

The module is loaded by file path so that importing it does not import the
``odoo.addons.emc_workorder`` package (whose __init__ needs the ORM).
"""

import hashlib
import random
import unittest

from _load import load

merkle = load("emc_workorder", "lib.merkle")

h = bytes.fromhex

LEAF_INPUTS = [
    h(""),
    h("00"),
    h("10"),
    h("2021"),
    h("3031"),
    h("40414243"),
    h("5051525354555657"),
    h("606162636465666768696a6b6c6d6e6f"),
]

# NodeHashes(): [level][index] of every perfect subtree of the reference tree.
NODE_HASHES = [
    [
        h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        h("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
        h("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
        h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        h("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
        h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
        h("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
    ],
    [
        h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
    ],
    [
        h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ],
    [h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")],
]

# RootHashes(): root of the first n leaves, n = 0..8.
ROOTS = [
    h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]

_N = NODE_HASHES
# CompactTrees(): the right-edge perfect subtrees for n = 0..8.
COMPACT_TREES = [
    [],
    [_N[0][0]],
    [_N[1][0]],
    [_N[1][0], _N[0][2]],
    [_N[2][0]],
    [_N[2][0], _N[0][4]],
    [_N[2][0], _N[1][2]],
    [_N[2][0], _N[1][2], _N[0][6]],
    [_N[3][0]],
]

# kSHA256Paths / inclusionProofs as (index, size, proof), index 0-based.
INCLUSION_VECTORS = [
    (0, 1, []),
    (
        0,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        5,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (2, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        1,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
]

# kSHA256Proofs / consistencyProofs as (old_size, new_size, proof).
CONSISTENCY_VECTORS = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]

SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")
EMPTY_ROOT = ROOTS[0]

REFERENCE_LEAVES = [merkle.leaf_hash(data) for data in LEAF_INPUTS]


class ReferenceTree:
    """The RFC 9162 §2.1 definitions transcribed as recursion, for cross-checks.

    MTH values are memoised by leaf range, which does not change them: the
    hash of D[lo:hi] does not depend on the size of the enclosing tree.
    """

    def __init__(self, leaf_hashes):
        self.leaves = list(leaf_hashes)
        self._mth = {}

    @staticmethod
    def split(n):
        k = 1
        while k * 2 < n:
            k *= 2
        return k

    def mth(self, lo, hi):
        if hi == lo:
            return hashlib.sha256(b"").digest()
        if hi - lo == 1:
            return self.leaves[lo]
        key = (lo, hi)
        if key not in self._mth:
            k = self.split(hi - lo)
            left, right = self.mth(lo, lo + k), self.mth(lo + k, hi)
            self._mth[key] = hashlib.sha256(b"\x01" + left + right).digest()
        return self._mth[key]

    def path(self, m, lo, hi):
        """PATH(m, D[lo:hi]) with m relative to lo."""
        n = hi - lo
        if n == 1:
            return []
        k = self.split(n)
        if m < k:
            return [*self.path(m, lo, lo + k), self.mth(lo + k, hi)]
        return [*self.path(m - k, lo + k, hi), self.mth(lo, lo + k)]

    def subproof(self, m, lo, hi, complete):
        """SUBPROOF(m, D[lo:hi], b) with m relative to lo."""
        n = hi - lo
        if m == n:
            return [] if complete else [self.mth(lo, hi)]
        k = self.split(n)
        if m <= k:
            return [*self.subproof(m, lo, lo + k, complete), self.mth(lo + k, hi)]
        return [*self.subproof(m - k, lo + k, hi, False), self.mth(lo, lo + k)]

    def consistency(self, m, n):
        if m == 0 or m == n:
            return []
        return self.subproof(m, 0, n, True)


class CountingIter:
    """Iterator over a list that counts the items handed out (a cursor stand-in)."""

    def __init__(self, items):
        self._items = iter(items)
        self.read = 0

    def __iter__(self):
        return self

    def __next__(self):
        item = next(self._items)
        self.read += 1
        return item


def flip(value, bit=3):
    return bytes([value[0] ^ (1 << bit)]) + value[1:]


class TestHashing(unittest.TestCase):
    def test_empty_root(self):
        self.assertEqual(merkle.EMPTY_ROOT, EMPTY_ROOT)
        self.assertEqual(merkle.root_from_leaf_hashes([]), EMPTY_ROOT)
        self.assertEqual(merkle.CompactRange().root(), EMPTY_ROOT)

    def test_leaf_and_node_hashes_match_the_reference_tree(self):
        self.assertEqual(REFERENCE_LEAVES, NODE_HASHES[0])
        for level in range(1, 4):
            below = NODE_HASHES[level - 1]
            for index, expected in enumerate(NODE_HASHES[level]):
                got = merkle.node_hash(below[2 * index], below[2 * index + 1])
                self.assertEqual(got, expected, (level, index))

    def test_leaf_and_node_prefixes_differ(self):
        data = NODE_HASHES[0][0] + NODE_HASHES[0][1]
        self.assertNotEqual(merkle.leaf_hash(data), merkle.node_hash(data[:32], data[32:]))

    def test_bytes_like_accepted(self):
        left, right = NODE_HASHES[0][0], NODE_HASHES[0][1]
        expected = NODE_HASHES[1][0]
        self.assertEqual(merkle.node_hash(bytearray(left), memoryview(right)), expected)
        self.assertEqual(merkle.leaf_hash(memoryview(b"\x00")), NODE_HASHES[0][1])

    def test_bad_hash_arguments(self):
        good = NODE_HASHES[0][0]
        with self.assertRaisesRegex(ValueError, "32 bytes long, got 31"):
            merkle.node_hash(good[:31], good)
        with self.assertRaisesRegex(ValueError, "hex text"):
            merkle.node_hash(good.hex(), good)
        with self.assertRaisesRegex(ValueError, "right must be 32 raw bytes, got NoneType"):
            merkle.node_hash(good, None)
        with self.assertRaisesRegex(ValueError, "Leaf data must be bytes"):
            merkle.leaf_hash("text")


class TestRoots(unittest.TestCase):
    def test_roots_of_every_size(self):
        for size in range(9):
            self.assertEqual(
                merkle.root_from_leaf_hashes(REFERENCE_LEAVES[:size]), ROOTS[size], size
            )

    def test_compact_range_grows_through_every_vector(self):
        compact = merkle.CompactRange()
        self.assertEqual(compact.to_list(), [])
        for size in range(1, 9):
            compact.append(REFERENCE_LEAVES[size - 1])
            self.assertEqual(compact.size, size)
            self.assertEqual(compact.root(), ROOTS[size], size)
            self.assertEqual(compact.to_list(), COMPACT_TREES[size], size)

    def test_root_streams_a_generator(self):
        rng = random.Random(7)
        leaves = [rng.randbytes(32) for _ in range(1000)]
        reference = ReferenceTree(leaves)
        self.assertEqual(merkle.root_from_leaf_hashes(x for x in leaves), reference.mth(0, 1000))

    def test_root_refuses_a_bad_leaf(self):
        with self.assertRaisesRegex(ValueError, "32 bytes long, got 3"):
            merkle.root_from_leaf_hashes([REFERENCE_LEAVES[0], b"abc"])


class TestCompactRangePersistence(unittest.TestCase):
    def test_round_trip_then_extend(self):
        rng = random.Random(11)
        leaves = [rng.randbytes(32) for _ in range(300)]
        reference = ReferenceTree(leaves)
        for _ in range(60):
            old = rng.randrange(0, 200)
            new = rng.randrange(old, 300)
            first = merkle.CompactRange()
            first.extend(leaves[:old])
            saved_size, saved = first.size, first.to_list()
            self.assertEqual(len(saved), bin(old).count("1"))
            # What the database gives back: bytes-like values, possibly memoryview.
            restored = merkle.CompactRange.from_list(saved_size, [memoryview(x) for x in saved])
            self.assertEqual(restored.size, old)
            self.assertEqual(restored.root(), reference.mth(0, old))
            restored.extend(leaves[old:new])
            self.assertEqual(restored.size, new)
            self.assertEqual(restored.root(), reference.mth(0, new), (old, new))
            continued = merkle.CompactRange()
            continued.extend(leaves[:new])
            self.assertEqual(restored.to_list(), continued.to_list())

    def test_to_list_is_a_copy(self):
        compact = merkle.CompactRange()
        compact.extend(REFERENCE_LEAVES[:3])
        compact.to_list().clear()
        self.assertEqual(compact.root(), ROOTS[3])

    def test_from_list_refuses_inconsistent_states(self):
        state = COMPACT_TREES[7]
        with self.assertRaisesRegex(ValueError, "7 leaves has 3 hashes, got 2"):
            merkle.CompactRange.from_list(7, state[:2])
        with self.assertRaisesRegex(ValueError, "8 leaves has 1 hashes, got 3"):
            merkle.CompactRange.from_list(8, state)
        with self.assertRaisesRegex(ValueError, r"hashes\[1\] must be 32 bytes long"):
            merkle.CompactRange.from_list(7, [state[0], state[1][:16], state[2]])
        with self.assertRaisesRegex(ValueError, "size must not be negative"):
            merkle.CompactRange.from_list(-1, [])
        with self.assertRaisesRegex(ValueError, "size must be an integer"):
            merkle.CompactRange.from_list("7", state)
        with self.assertRaisesRegex(ValueError, "not a single bytes"):
            merkle.CompactRange.from_list(1, state[0])
        self.assertEqual(merkle.CompactRange.from_list(0, []).root(), EMPTY_ROOT)

    def test_append_refuses_bad_hash(self):
        compact = merkle.CompactRange()
        with self.assertRaises(ValueError):
            compact.append(b"short")
        self.assertEqual(compact.size, 0)

    def test_extend_stops_at_a_bad_hash_and_keeps_the_good_ones(self):
        compact = merkle.CompactRange()
        with self.assertRaisesRegex(ValueError, "leaf hash #3 must be 32 bytes long"):
            compact.extend([*REFERENCE_LEAVES[:3], b"short", *REFERENCE_LEAVES[3:]])
        self.assertEqual(compact.size, 3)
        self.assertEqual(compact.root(), ROOTS[3])
        compact.extend(REFERENCE_LEAVES[3:])
        self.assertEqual(compact.root(), ROOTS[8])


class TestInclusionVectors(unittest.TestCase):
    def test_published_proofs_are_generated(self):
        for index, size, proof in INCLUSION_VECTORS:
            with self.subTest(index=index, size=size):
                self.assertEqual(merkle.inclusion_proof(REFERENCE_LEAVES, index, size), proof)
                batch = merkle.inclusion_proofs(iter(REFERENCE_LEAVES), [index], size)
                self.assertEqual(batch, {index: proof})

    def test_published_proofs_verify(self):
        for index, size, proof in INCLUSION_VECTORS:
            with self.subTest(index=index, size=size):
                self.assertTrue(
                    merkle.verify_inclusion(
                        REFERENCE_LEAVES[index], index, size, proof, ROOTS[size]
                    )
                )

    def test_corrupted_proofs_are_refused(self):
        for index, size, proof in INCLUSION_VECTORS:
            with self.subTest(index=index, size=size):
                assert_inclusion_refused(self, REFERENCE_LEAVES[index], index, size, proof)

    def test_single_entry(self):
        leaf = merkle.leaf_hash(b"data")
        self.assertTrue(merkle.verify_inclusion(leaf, 0, 1, [], leaf))
        self.assertFalse(merkle.verify_inclusion(leaf, 0, 1, [], SOME_HASH))
        self.assertFalse(merkle.verify_inclusion(SOME_HASH, 0, 1, [], leaf))
        with self.assertRaises(ValueError):
            merkle.verify_inclusion(leaf, 0, 1, [], b"")

    def test_invalid_positions_raise(self):
        for index, size in ((0, 0), (1, 0), (1, 1), (2, 1), (8, 8)):
            with self.subTest(index=index, size=size):
                with self.assertRaisesRegex(ValueError, "out of range"):
                    merkle.verify_inclusion(SOME_HASH, index, size, [], EMPTY_ROOT)
                with self.assertRaisesRegex(ValueError, "out of range"):
                    merkle.inclusion_proof(REFERENCE_LEAVES, index, size)
                with self.assertRaisesRegex(ValueError, "out of range"):
                    merkle.inclusion_proofs(iter(REFERENCE_LEAVES), [0, index], size)
        with self.assertRaisesRegex(ValueError, "index must not be negative"):
            merkle.inclusion_proof(REFERENCE_LEAVES, -1, 8)
        with self.assertRaisesRegex(ValueError, "index must be an integer"):
            merkle.verify_inclusion(SOME_HASH, True, 8, [], EMPTY_ROOT)


def assert_inclusion_refused(test, leaf, index, size, proof):
    """The probes of corruptInclusionProof (verify_test.go) plus element swaps."""
    root = ROOTS[size] if size <= 8 and leaf in REFERENCE_LEAVES else None
    if root is None:
        raise AssertionError("assert_inclusion_refused is for the reference tree")
    verify = merkle.verify_inclusion
    wrong_positions = [(index - 1, size), (index + 1, size), (index ^ 2, size)]
    wrong_positions += [(index, size * 2), (index, size // 2)]
    for i, n in wrong_positions:
        if i < 0 or i >= n:
            with test.assertRaises(ValueError):
                verify(leaf, i, n, proof, root)
        else:
            test.assertFalse(verify(leaf, i, n, proof, root), (i, n))
    test.assertFalse(verify(merkle.leaf_hash(b"WrongLeaf"), index, size, proof, root))
    test.assertFalse(verify(leaf, index, size, proof, EMPTY_ROOT))
    test.assertFalse(verify(leaf, index, size, proof, SOME_HASH))
    test.assertFalse(verify(leaf, index, size, [*proof, root], root))
    test.assertFalse(verify(leaf, index, size, [root, *proof], root))
    with test.assertRaises(ValueError):  # garbage of the wrong length
        verify(leaf, index, size, [*proof, b""], root)
    with test.assertRaises(ValueError):
        verify(leaf, index, size, [b"", *proof], root)
    for i in range(len(proof)):
        wrong = list(proof)
        wrong[i] = flip(wrong[i])
        test.assertFalse(verify(leaf, index, size, wrong, root), i)
        wrong[i] = EMPTY_ROOT
        test.assertFalse(verify(leaf, index, size, wrong, root), i)
    if proof:
        test.assertFalse(verify(leaf, index, size, proof[:-1], root))
    if len(proof) > 1:
        test.assertFalse(verify(leaf, index, size, [proof[0], SOME_HASH, *proof[1:]], root))
        test.assertFalse(verify(leaf, index, size, [proof[1], proof[0], *proof[2:]], root))


class TestConsistencyVectors(unittest.TestCase):
    def test_published_proofs_are_generated(self):
        for old, new, proof in CONSISTENCY_VECTORS:
            with self.subTest(old=old, new=new):
                self.assertEqual(merkle.consistency_proof(REFERENCE_LEAVES, old, new), proof)
                batch = merkle.consistency_proofs(iter(REFERENCE_LEAVES), [(old, new)])
                self.assertEqual(batch, {(old, new): proof})

    def test_published_proofs_verify_and_corruptions_fail(self):
        for old, new, proof in CONSISTENCY_VECTORS:
            with self.subTest(old=old, new=new):
                self.assertTrue(merkle.verify_consistency(old, new, ROOTS[old], ROOTS[new], proof))
                if proof:
                    assert_consistency_refused(self, old, new, ROOTS[old], ROOTS[new], proof)

    def test_trivial_sizes(self):
        verify = merkle.verify_consistency
        self.assertTrue(verify(0, 0, EMPTY_ROOT, EMPTY_ROOT, []))
        self.assertTrue(verify(0, 1, EMPTY_ROOT, ROOTS[1], []))
        self.assertTrue(verify(0, 8, EMPTY_ROOT, ROOTS[8], []))
        self.assertTrue(verify(1, 1, ROOTS[1], ROOTS[1], []))
        # Roots that do not match.
        self.assertFalse(verify(0, 0, EMPTY_ROOT, SOME_HASH, []))
        self.assertFalse(verify(1, 1, ROOTS[1], SOME_HASH, []))
        self.assertFalse(verify(0, 1, SOME_HASH, ROOTS[1], []))
        # Matching roots but a proof where there should be none.
        self.assertFalse(verify(0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]))
        self.assertFalse(verify(0, 1, EMPTY_ROOT, ROOTS[1], [EMPTY_ROOT]))
        self.assertFalse(verify(1, 1, ROOTS[1], ROOTS[1], [EMPTY_ROOT]))
        # An empty proof between different sizes.
        self.assertFalse(verify(1, 2, ROOTS[1], ROOTS[2], []))
        self.assertEqual(merkle.consistency_proof(REFERENCE_LEAVES, 0, 8), [])
        self.assertEqual(merkle.consistency_proof(REFERENCE_LEAVES, 8, 8), [])

    def test_time_travel_raises(self):
        with self.assertRaisesRegex(ValueError, "old_size 2 is larger than new_size 1"):
            merkle.verify_consistency(2, 1, ROOTS[2], ROOTS[1], [])
        with self.assertRaisesRegex(ValueError, "old_size 5 is larger than new_size 4"):
            merkle.consistency_proof(REFERENCE_LEAVES, 5, 4)
        with self.assertRaisesRegex(ValueError, "larger than"):
            merkle.consistency_proofs(iter(REFERENCE_LEAVES), [(1, 2), (3, 2)])
        with self.assertRaisesRegex(ValueError, "pair must be"):
            merkle.consistency_proofs(iter(REFERENCE_LEAVES), [(1, 2, 3)])
        with self.assertRaisesRegex(ValueError, "new_size must not be negative"):
            merkle.verify_consistency(0, -1, EMPTY_ROOT, EMPTY_ROOT, [])


def assert_consistency_refused(test, old, new, old_root, new_root, proof):
    """The probes of corruptConsistencyProof (verify_test.go)."""
    verify = merkle.verify_consistency
    for m, n in ((old - 1, new), (old + 1, new), (old ^ 2, new), (old, new * 2), (old, new // 2)):
        if m < 0 or m > n:
            with test.assertRaises(ValueError):
                verify(m, n, old_root, new_root, proof)
        else:
            test.assertFalse(verify(m, n, old_root, new_root, proof), (m, n))
    wrong_root = hashlib.sha256(b"WrongRoot").digest()
    test.assertFalse(verify(old, new, wrong_root, new_root, proof))
    test.assertFalse(verify(old, new, old_root, wrong_root, proof))
    test.assertFalse(verify(old, new, new_root, old_root, proof))
    test.assertFalse(verify(old, new, old_root, new_root, []))
    for extra in (old_root, new_root, proof[-1]):
        test.assertFalse(verify(old, new, old_root, new_root, [*proof, extra]))
    for extra in (old_root, new_root, proof[0]):
        test.assertFalse(verify(old, new, old_root, new_root, [extra, *proof]))
    with test.assertRaises(ValueError):
        verify(old, new, old_root, new_root, [*proof, b""])
    test.assertFalse(verify(old, new, old_root, new_root, proof[:-1]))
    for i in range(len(proof)):
        wrong = list(proof)
        wrong[i] = flip(wrong[i], 4)
        test.assertFalse(verify(old, new, old_root, new_root, wrong), i)
        wrong[i] = EMPTY_ROOT
        test.assertFalse(verify(old, new, old_root, new_root, wrong), i)


class TestAgainstReference(unittest.TestCase):
    """Streaming generators against the recursive definitions, sizes 1..300."""

    MAX = 300

    @classmethod
    def setUpClass(cls):
        rng = random.Random(20250301)
        cls.leaves = [rng.randbytes(32) for _ in range(cls.MAX)]
        cls.ref = ReferenceTree(cls.leaves)

    def test_every_inclusion_proof(self):
        ref = self.ref
        for size in range(1, self.MAX + 1):
            stream = CountingIter(self.leaves)
            proofs = merkle.inclusion_proofs(stream, range(size), size)
            self.assertEqual(stream.read, size)
            self.assertEqual(sorted(proofs), list(range(size)))
            root = ref.mth(0, size)
            for index, proof in proofs.items():
                self.assertEqual(proof, ref.path(index, 0, size), (index, size))
                self.assertTrue(
                    merkle.verify_inclusion(self.leaves[index], index, size, proof, root),
                    (index, size),
                )

    def test_every_consistency_proof(self):
        ref = self.ref
        for new in range(1, self.MAX + 1):
            stream = CountingIter(self.leaves)
            proofs = merkle.consistency_proofs(stream, [(old, new) for old in range(new + 1)])
            self.assertEqual(stream.read, new)
            new_root = ref.mth(0, new)
            for (old, _new), proof in proofs.items():
                self.assertEqual(proof, ref.consistency(old, new), (old, new))
                self.assertTrue(
                    merkle.verify_consistency(old, new, ref.mth(0, old), new_root, proof),
                    (old, new),
                )

    def test_tampering_is_detected_at_random_positions(self):
        rng = random.Random(5)
        ref = self.ref
        for _ in range(400):
            size = rng.randrange(1, self.MAX + 1)
            index = rng.randrange(size)
            proof = merkle.inclusion_proof(self.leaves, index, size)
            root = ref.mth(0, size)
            leaf = self.leaves[index]
            if proof:
                wrong = list(proof)
                pos = rng.randrange(len(wrong))
                wrong[pos] = flip(wrong[pos], rng.randrange(8))
                self.assertFalse(merkle.verify_inclusion(leaf, index, size, wrong, root))
            other = rng.randrange(size)
            if other != index:
                self.assertFalse(merkle.verify_inclusion(leaf, other, size, proof, root))
                self.assertFalse(
                    merkle.verify_inclusion(self.leaves[other], index, size, proof, root)
                )
            new = rng.randrange(2, self.MAX + 1)
            old = rng.randrange(1, new)
            cproof = merkle.consistency_proof(self.leaves, old, new)
            wrong = list(cproof)
            pos = rng.randrange(len(wrong))
            wrong[pos] = flip(wrong[pos], rng.randrange(8))
            self.assertFalse(
                merkle.verify_consistency(old, new, ref.mth(0, old), ref.mth(0, new), wrong)
            )
            # An old tree that differs in one leaf is not a prefix.
            forged = ReferenceTree([*self.leaves[: old - 1], SOME_HASH])
            self.assertFalse(
                merkle.verify_consistency(old, new, forged.mth(0, old), ref.mth(0, new), cproof)
            )

    def test_verifiers_never_raise_on_well_formed_garbage(self):
        rng = random.Random(9)
        for _ in range(2000):
            size = rng.randrange(1, 1 << rng.randrange(1, 40))
            index = rng.randrange(size)
            proof = [rng.randbytes(32) for _ in range(rng.randrange(0, 70))]
            self.assertIs(
                merkle.verify_inclusion(rng.randbytes(32), index, size, proof, rng.randbytes(32)),
                False,
            )
            old = rng.randrange(0, size + 1)
            self.assertIs(
                merkle.verify_consistency(old, size, rng.randbytes(32), rng.randbytes(32), proof),
                False,
            )

    def test_one_pass_serves_mixed_requests(self):
        rng = random.Random(3)
        ref = self.ref
        pairs = {(rng.randrange(0, 150), rng.randrange(150, 290)) for _ in range(200)}
        stream = CountingIter(self.leaves)
        proofs = merkle.consistency_proofs(stream, sorted(pairs, reverse=True))
        self.assertEqual(stream.read, max(new for _old, new in pairs))
        self.assertEqual(set(proofs), pairs)
        for old, new in pairs:
            self.assertEqual(proofs[old, new], ref.consistency(old, new))
        indices = [rng.randrange(257) for _ in range(50)]
        stream = CountingIter(self.leaves)
        proofs = merkle.inclusion_proofs(stream, indices, 257)
        self.assertEqual(stream.read, 257)  # never reads past the size
        self.assertEqual(set(proofs), set(indices))
        for index in indices:
            self.assertEqual(proofs[index], ref.path(index, 0, 257))


class TestStreamingErrors(unittest.TestCase):
    def test_too_few_leaves(self):
        with self.assertRaisesRegex(ValueError, "Expected 9 leaf hashes, got only 8"):
            merkle.inclusion_proofs(iter(REFERENCE_LEAVES), [0], 9)
        with self.assertRaisesRegex(ValueError, "Expected 10 leaf hashes, got only 8"):
            merkle.consistency_proofs(iter(REFERENCE_LEAVES), [(3, 10)])
        with self.assertRaisesRegex(ValueError, "got only 8"):
            merkle.inclusion_proof(REFERENCE_LEAVES, 0, 9)

    def test_bad_leaf_in_stream_names_its_position(self):
        leaves = [*REFERENCE_LEAVES[:5], REFERENCE_LEAVES[5].hex(), *REFERENCE_LEAVES[6:]]
        with self.assertRaisesRegex(ValueError, "leaf hash #5 must be 32 raw bytes"):
            merkle.inclusion_proofs(iter(leaves), [0], 8)
        leaves[5] = REFERENCE_LEAVES[5] + b"\x00"
        with self.assertRaisesRegex(ValueError, "leaf hash #5 must be 32 bytes long, got 33"):
            merkle.consistency_proofs(iter(leaves), [(2, 8)])

    def test_memoryview_leaves_from_a_cursor(self):
        views = [memoryview(leaf) for leaf in REFERENCE_LEAVES]
        proofs = merkle.inclusion_proofs(iter(views), [5], 8)
        self.assertEqual(proofs[5], INCLUSION_VECTORS[2][2])
        self.assertTrue(all(type(x) is bytes for x in proofs[5]))

    def test_no_request_reads_nothing(self):
        stream = CountingIter(REFERENCE_LEAVES)
        self.assertEqual(merkle.inclusion_proofs(stream, [], 8), {})
        self.assertEqual(merkle.consistency_proofs(stream, []), {})
        self.assertEqual(stream.read, 0)

    def test_duplicate_indices_share_a_proof(self):
        proofs = merkle.inclusion_proofs(iter(REFERENCE_LEAVES), [1, 1, 1], 5)
        self.assertEqual(proofs, {1: INCLUSION_VECTORS[4][2]})


if __name__ == "__main__":
    unittest.main()
