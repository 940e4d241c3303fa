"""Time fit_resample of every dgm_resample sampler (defaults) against SMOTENC.

Table: 10,000 rows x 20 columns (15 numeric, 5 categorical), 5% minority.

    python benchmarks/bench_speed.py [--samplers VAEOverSampler,...] [--repeats 1]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd
import torch
from imblearn.over_sampling import SMOTENC

sys.path.insert(0, os.path.dirname(__file__))
from _common import dgm_samplers, select  # noqa: E402


def make_table(n_rows=10_000, n_numeric=15, n_categorical=5, minority=0.05, seed=0):
    """A mixed table with class-dependent numeric and categorical columns."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n_rows) < minority).astype(int)
    data = {}
    for j in range(n_numeric):
        shift = 0.8 * y if j % 3 == 0 else 0.0
        base = rng.gamma(2.0, size=n_rows) if j % 2 else rng.normal(size=n_rows)
        data[f"num{j}"] = base + shift
    for j in range(n_categorical):
        levels = np.array([f"c{k}" for k in range(3 + 2 * j)])
        probs = rng.dirichlet(np.ones(len(levels)))
        codes = rng.choice(len(levels), size=n_rows, p=probs)
        codes = np.where(y == 1, (codes + j) % len(levels), codes)
        data[f"cat{j}"] = pd.Categorical(levels[codes])
    return pd.DataFrame(data), y


def time_fit_resample(sampler, X, y, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        X_res, _ = sampler.fit_resample(X, y)
        times.append(time.perf_counter() - start)
    assert len(X_res) > len(X)
    return min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--samplers", default="", help="comma-separated sampler class names")
    parser.add_argument("--repeats", type=int, default=1, help="best of this many runs")
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args(argv)

    X, y = make_table(n_rows=args.rows)
    categorical = [c for c in X.columns if c.startswith("cat")]
    print(
        f"table: {X.shape[0]} x {X.shape[1]} ({len(categorical)} categorical), "
        f"minority {y.mean():.1%}; torch threads {torch.get_num_threads()}, cpus {os.cpu_count()}"
    )
    smote = time_fit_resample(
        SMOTENC(categorical_features=categorical, random_state=0), X, y, args.repeats
    )
    rows = [("SMOTENC", smote, 1.0)]
    for name, cls in select(args.samplers, dgm_samplers()).items():
        seconds = time_fit_resample(cls(random_state=0, device="cpu"), X, y, args.repeats)
        rows.append((name, seconds, seconds / smote))
    print(f"{'sampler':<28}{'seconds':>10}{'x SMOTENC':>12}")
    for name, seconds, ratio in rows:
        print(f"{name:<28}{seconds:>10.2f}{ratio:>12.1f}")


if __name__ == "__main__":
    main()
