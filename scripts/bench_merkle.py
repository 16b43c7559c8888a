#!/usr/bin/env python3
"""Benchmark of the evidence Merkle tree: prints figures, asserts nothing.

    .venv/bin/python scripts/bench_merkle.py [--leaves 1000000] [--proofs 300] [--pairs 50]

Feeds N leaf hashes from a generator (as a server-side cursor would) to
addons/emc_workorder/lib/merkle.py and measures, each in one pass:

  0. the generator alone (the floor every pass pays)
  1. the root (root_from_leaf_hashes)
  2. K inclusion proofs at random indices (inclusion_proofs)
  3. P consistency proofs between random sizes (consistency_proofs)

and the peak Python memory of pass 2 (tracemalloc, in a separate, slower
run), which must stay in O(K·log N) and not grow with N.
"""

import argparse
import hashlib
import importlib.util
import random
import time
import tracemalloc
from pathlib import Path

_PATH = Path(__file__).resolve().parents[1] / "addons/emc_workorder/lib/merkle.py"
_spec = importlib.util.spec_from_file_location("emc_merkle_bench", _PATH)
merkle = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(merkle)


def leaves(n):
    """Deterministic leaf hashes, produced one at a time like cursor rows."""
    sha256 = hashlib.sha256
    for i in range(n):
        yield sha256(i.to_bytes(8, "big")).digest()


def timed(label, func):
    start = time.perf_counter()
    result = func()
    print(f"{label:<48} {time.perf_counter() - start:8.2f} s")
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=300)
    parser.add_argument("--pairs", type=int, default=50)
    args = parser.parse_args()
    n = args.leaves
    rng = random.Random(1)
    indices = rng.sample(range(n), args.proofs)
    pairs = [tuple(sorted(rng.sample(range(1, n + 1), 2))) for _ in range(args.pairs)]

    timed(f"generator alone, {n:,} leaves", lambda: sum(1 for _ in leaves(n)))
    root = timed("root", lambda: merkle.root_from_leaf_hashes(leaves(n)))
    proofs = timed(
        f"{args.proofs} inclusion proofs, one pass",
        lambda: merkle.inclusion_proofs(leaves(n), indices, n),
    )
    timed(
        f"{args.pairs} consistency proofs, one pass",
        lambda: merkle.consistency_proofs(leaves(n), pairs),
    )
    start = time.perf_counter()
    for index, proof in proofs.items():
        leaf = hashlib.sha256(index.to_bytes(8, "big")).digest()
        assert merkle.verify_inclusion(leaf, index, n, proof, root)
    per_proof = (time.perf_counter() - start) / len(proofs) * 1e6
    print(f"{'verify_inclusion, per proof':<48} {per_proof:8.1f} µs")

    tracemalloc.start()
    merkle.inclusion_proofs(leaves(n), indices, n)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{'peak Python memory of the inclusion pass':<48} {peak / 1024:8.0f} KiB")
    print(f"root {root.hex()}")


if __name__ == "__main__":
    main()
