"""Two strategies of the same runs, head to head over pooled dataset x classifier blocks.

For each pair ``A:B`` and each group of classifiers, the blocks are the
dataset x classifier cells of those classifiers (each averaged over folds and
fit seeds first); the table gives A's win / tie / loss against B in the
metric's direction, the two-sided Wilcoxon signed-rank p-value and both means.
Also the seconds per fold of each strategy (resampling + fitting, every
classifier).

    python benchmarks/bench_pairs.py 'bench-calibrated-mixed/seed*/results.csv' \\
        --pairs 'AutoregressiveOverSampler+calibrated:none+calibrated' \\
        --groups 'knn,tree,hgb;lr;lr,knn,tree,hgb' --metrics brier,log_loss,f1
"""

from __future__ import annotations

import argparse

import pandas as pd
from compare_runs import read

from dgm_resample.benchmark._report import _markdown
from dgm_resample.benchmark._stats import fold_means, metric_table, paired, time_table


def pairs_table(results, pairs, groups, metrics):
    """One row per pair, classifier group and metric."""
    means = fold_means(results)
    keys = ["dataset", "sampler", "threshold", "strategy", "classifier"]
    means = means.drop(columns="seed").groupby(keys, as_index=False).mean(numeric_only=True)
    rows = []
    for a, b in pairs:
        for group in groups:
            sub = means[means["classifier"].isin(group)]
            for metric in metrics:
                table = metric_table(sub, metric)
                if a not in table or b not in table:
                    continue
                result = paired(table, a, b, metric)
                both = table[[a, b]].dropna()
                rows.append(
                    {
                        "pair": f"{a} vs {b}",
                        "classifiers": ",".join(group),
                        "metric": metric,
                        "blocks": len(both),
                        "win/tie/loss": f"{result['win']}/{result['tie']}/{result['loss']}",
                        "p": result["p_value"],
                        "mean A": both[a].mean(),
                        "mean B": both[b].mean(),
                    }
                )
    return pd.DataFrame(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("results", help="glob of results.csv (one per fit seed)")
    parser.add_argument("--pairs", required=True, help="comma-separated A:B strategy pairs")
    parser.add_argument(
        "--groups",
        default="lr,knn,tree,hgb",
        help="semicolon-separated groups of comma-separated classifiers",
    )
    parser.add_argument("--metrics", default="brier,log_loss,f1,average_precision")
    args = parser.parse_args(argv)
    results, n_runs = read(args.results)
    pairs = [tuple(p.split(":")) for p in args.pairs.split(",") if p]
    groups = [g.split(",") for g in args.groups.split(";") if g]
    metrics = [m for m in args.metrics.split(",") if m]
    print(f"{n_runs} run(s); blocks are dataset x classifier cells averaged over folds and seeds\n")
    print(_markdown(pairs_table(results, pairs, groups, metrics).set_index("pair"), ".4g"))
    strategies = sorted({s for p in pairs for s in p})
    times = time_table(results)
    print("\nseconds per fold (resampling + fitting, every classifier):\n")
    print(_markdown(times.reindex([s for s in strategies if s in times.index]), ".2f"))


if __name__ == "__main__":
    main()
