#!/usr/bin/env python3
"""fuzz_inputs.py - the gate's fuzz inputs: binary programs mutated from the seeds, and random bytes.

There is no static fuzz engine to run inside a guest (msrexit-fuzz is a libFuzzer target, and
the gcc build's standalone driver only replays files), so the gate makes its inputs here,
from a fixed seed, and the guest runs them in batches with `msrexit run --reuse --binary`
until its time is up. The same seed gives the same files: a failing batch is in --out.
"""
import argparse
import os
import random


def mutate(rng, data, pool):
    """One to four of libFuzzer's simple mutations: flip, set, insert, erase, splice, truncate."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        pos = rng.randrange(len(b) + 1)
        if op == 0 and b:
            b[pos % len(b)] ^= 1 << rng.randrange(8)
        elif op == 1 and b:
            b[pos % len(b)] = rng.choice((0, 1, 0x7f, 0x80, 0xff, rng.randrange(256)))
        elif op == 2:
            b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 3 and b:
            del b[pos:pos + rng.randint(1, 8)]
        elif op == 4:
            other = rng.choice(pool)
            start = rng.randrange(len(other) + 1)
            b[pos:] = other[start:start + rng.randint(1, 64)]
        elif op == 5 and len(b) > 8:
            del b[rng.randrange(8, len(b)):]
    return bytes(b)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", required=True, help="directory of binary seed programs")
    ap.add_argument("--out", required=True)
    ap.add_argument("--batches", type=int, default=100)
    ap.add_argument("--per-batch", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    pool = []
    for name in sorted(os.listdir(a.seeds)):
        with open(os.path.join(a.seeds, name), "rb") as f:
            pool.append(f.read())
    if not pool:
        raise SystemExit("fuzz_inputs.py: no seeds in " + a.seeds)
    for batch in range(a.batches):
        d = os.path.join(a.out, "%03d" % batch)
        os.makedirs(d, exist_ok=True)
        for i in range(a.per_batch):
            if rng.random() < 0.1:
                data = bytes(rng.randrange(256) for _ in range(rng.randint(1, 256)))
            else:
                data = mutate(rng, rng.choice(pool), pool)
            with open(os.path.join(d, "%02d.bin" % i), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
