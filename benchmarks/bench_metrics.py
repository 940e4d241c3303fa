"""Time dgm_resample.metrics on large mixed tables.

Tables: 100,000 rows x 50 columns (40 numeric with 2% missing values, 10
categorical with 3 to 21 levels) for the training, held-out and synthetic sets.

    python benchmarks/bench_metrics.py [--rows 100000] [--max-rows 5000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from dgm_resample.metrics import (
    dependence_distance,
    detection_score,
    distance_to_closest_record,
    evaluate_synthetic,
    marginal_distance,
    precision_recall,
)


def make_table(n_rows, n_numeric=40, n_categorical=10, shift=0.0, seed=0):
    """A mixed table with correlated numeric columns and missing values."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n_rows, 4))
    loadings = np.random.default_rng(12345).normal(size=(4, n_numeric))  # shared by all tables
    numeric = latent @ loadings + rng.normal(size=(n_rows, n_numeric)) + shift
    numeric[rng.random(numeric.shape) < 0.02] = np.nan
    data = {f"num{j}": numeric[:, j] for j in range(n_numeric)}
    for j in range(n_categorical):
        levels = np.array([f"c{k}" for k in range(3 + 2 * j)])
        codes = (np.digitize(latent[:, j % 4], [-1, 0, 1]) + rng.integers(0, 2, n_rows)) % len(
            levels
        )
        data[f"cat{j}"] = pd.Categorical(levels[codes])
    return pd.DataFrame(data)


def timed(label, func):
    start = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - start
    print(f"{label:<32s} {seconds:8.2f} s")
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--max-rows", type=int, default=5000)
    args = parser.parse_args()

    train = make_table(args.rows, seed=0)
    test = make_table(args.rows, seed=1)
    synth = make_table(args.rows, shift=0.1, seed=2)
    print(f"tables: 3 x {train.shape[0]:,} rows x {train.shape[1]} columns")

    timed("marginal_distance (all rows)", lambda: marginal_distance(test, synth))
    timed("dependence_distance (all rows)", lambda: dependence_distance(test, synth))
    timed("detection_score (10k/class)", lambda: detection_score(test, synth, random_state=0))
    timed("precision_recall (5k rows)", lambda: precision_recall(test, synth, random_state=0))
    timed(
        "distance_to_closest_record (10k)",
        lambda: distance_to_closest_record(train, synth, test, random_state=0),
    )
    scores = timed(
        f"evaluate_synthetic (max_rows={args.max_rows})",
        lambda: evaluate_synthetic(train, test, synth, random_state=0, max_rows=args.max_rows),
    )
    for key, value in scores.items():
        print(f"  {key:<20s} {value:.4f}")


if __name__ == "__main__":
    main()
