"""Two versions of the same strategies, head to head: did a code change move quality?

Reads the ``results.csv`` of two sets of benchmark runs of one configuration
(one run per fit seed, as ``bench_seeds.py``), made with two versions of the
code, and compares every strategy with itself: each dataset x classifier cell
averages the folds and seeds first, then win / tie / loss of the second
version over the first and the two-sided Wilcoxon signed-rank p-value over the
cells, and the mean difference (second minus first).

    python benchmarks/compare_runs.py --before 'bench-overhead/before/seed*/results.csv' \\
        --after 'bench-overhead/after/seed*/results.csv'
"""

from __future__ import annotations

import argparse
import glob

import pandas as pd

from dgm_resample.benchmark._report import _markdown
from dgm_resample.benchmark._scoring import METRICS
from dgm_resample.benchmark._stats import fold_means, metric_table, paired


def read(pattern):
    """The results of every run matching ``pattern``, with a ``seed`` column (0, 1, ...)."""
    paths = sorted(glob.glob(pattern))
    if not paths:
        raise SystemExit(f"no results match {pattern!r}")
    parts = [pd.read_csv(path).assign(seed=i) for i, path in enumerate(paths)]
    return pd.concat(parts, ignore_index=True), len(paths)


def compare(before, after, metrics=METRICS):
    """One row per strategy and metric: cells, win / tie / loss, p-value, mean difference."""
    tagged = pd.concat([before.assign(version="before"), after.assign(version="after")])
    tagged["sampler"] = tagged["sampler"] + "@" + tagged["version"]
    means = fold_means(tagged.drop(columns="version"))
    # a cell is a dataset x classifier: average the seeds first
    means = (
        means.drop(columns="seed")
        .groupby(["dataset", "sampler", "threshold", "strategy", "classifier"], as_index=False)
        .mean(numeric_only=True)
    )
    rows = []
    strategies = sorted({s.rsplit("@", 1)[0] for s in means["strategy"]})
    for strategy in strategies:
        for metric in metrics:
            table = metric_table(means, metric)
            a, b = f"{strategy}@after", f"{strategy}@before"
            if a not in table or b not in table:
                continue
            result = paired(table, a, b, metric)
            diff = (table[a] - table[b]).mean()
            rows.append(
                {
                    "strategy": strategy,
                    "metric": metric,
                    "cells": result["win"] + result["tie"] + result["loss"],
                    "after: win/tie/loss": f"{result['win']}/{result['tie']}/{result['loss']}",
                    "p": result["p_value"],
                    "mean after - before": diff,
                }
            )
    return pd.DataFrame(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--before", required=True, help="glob of the first version's results.csv")
    parser.add_argument("--after", required=True, help="glob of the second version's results.csv")
    parser.add_argument("--metrics", default=",".join(METRICS), help="comma-separated metrics")
    args = parser.parse_args(argv)
    before, n_before = read(args.before)
    after, n_after = read(args.after)
    table = compare(before, after, [m for m in args.metrics.split(",") if m])
    print(f"{n_before} runs before, {n_after} after; cells averaged over folds and seeds\n")
    print(_markdown(table.set_index("strategy"), ".4g"))


if __name__ == "__main__":
    main()
