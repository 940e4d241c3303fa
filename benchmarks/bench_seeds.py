"""Tables over several fit seeds of the benchmark command (one results.csv per seed).

Mean ranks are computed in every dataset x classifier x seed block, then
averaged; the spread is the lowest and highest mean rank of a single seed.
Head-to-head comparisons average each strategy over folds and seeds first, so
that a dataset x classifier cell counts once, and report win / tie / loss with
the Wilcoxon signed-rank p-value over those cells.

    for s in 0 1 2 3 4; do
        dgm-resample benchmark --config benchmarks/configs/recommend-mixed.yaml \\
            --fit-seed $s --output bench-recommend-mixed/seed$s
    done
    python benchmarks/bench_seeds.py bench-recommend-mixed/seed*/results.csv \\
        --candidates AutoregressiveOverSampler,DiffusionOverSampler
"""

from __future__ import annotations

import argparse

import pandas as pd

from dgm_resample.benchmark._report import _markdown
from dgm_resample.benchmark._stats import fold_means, metric_table, paired, ranks

#: threshold-dependent metrics, then ranking / probability metrics
METRICS = ["f1", "gmean", "balanced_accuracy", "average_precision", "roc_auc"]
SHORT = {
    "AutoregressiveOverSampler": "AR",
    "DiffusionOverSampler": "Diffusion",
    "GANOverSampler": "GAN",
    "FlowOverSampler": "Flow",
    "VAEOverSampler": "VAE",
    "RandomOverSampler": "ROS",
    "BorderlineSMOTE": "Borderline",
}


def short(name):
    for long, abbreviation in SHORT.items():
        name = name.replace(long, abbreviation)
    return name


def read(paths):
    """Concatenate the results of each seed, with a ``seed`` column (0, 1, ...)."""
    parts = [pd.read_csv(path).assign(seed=i) for i, path in enumerate(paths)]
    return pd.concat(parts, ignore_index=True)


def rank_table(means):
    """Mean rank per strategy and metric, with the range of the per-seed means."""
    rows, order = {}, None
    for metric in METRICS:
        table = ranks(means, metric)
        mean = table.mean()
        per_seed = table.groupby(table.index.get_level_values("seed")).mean()
        order = mean.sort_values().index if order is None else order
        for strategy in table.columns:
            rows.setdefault(strategy, {})[metric] = (
                f"{mean[strategy]:.2f} "
                f"({per_seed[strategy].min():.2f}-{per_seed[strategy].max():.2f})"
            )
    return pd.DataFrame(rows).T.loc[order].rename(index=short)


def head_to_head(cell_means, candidate, opponents, metrics):
    """Win / tie / loss of ``candidate`` against each opponent over the cells of ``cell_means``."""
    lines = []
    for metric in metrics:
        table = metric_table(cell_means, metric)
        for opponent in opponents:
            if candidate not in table or opponent not in table:
                continue
            result = paired(table, candidate, opponent, metric)
            decided = result["win"] + result["loss"]
            share = result["win"] / decided if decided else float("nan")
            lines.append(
                f"| {metric} | {short(candidate)} vs {short(opponent)} | "
                f"{result['win']}/{result['tie']}/{result['loss']} | {share:.0%} | "
                f"{result['p_value']:.2g} |"
            )
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("results", nargs="+", help="results.csv of each seed")
    parser.add_argument(
        "--candidates", default="AutoregressiveOverSampler", help="comma-separated samplers"
    )
    parser.add_argument("--reference", default="SMOTE", help="the interpolation baseline")
    args = parser.parse_args(argv)
    results = read(args.results)
    print(
        f"{len(args.results)} seeds, {results['dataset'].nunique()} datasets, "
        f"classifiers {sorted(results['classifier'].unique())}"
    )
    means = fold_means(results)  # per seed: ranks are taken in every seed's blocks
    cell_means = fold_means(results.drop(columns="seed"))  # folds and seeds averaged
    print("\n### Mean rank at the default threshold (1 = best; range over seeds)\n")
    print(_markdown(rank_table(means[means["threshold"] == "default"])))
    if (means["threshold"] == "tuned").any():
        print("\n### Mean rank, default and tuned thresholds together\n")
        print(_markdown(rank_table(means)[["f1", "gmean", "balanced_accuracy"]]))
    candidates = args.candidates.split(",")
    threshold_metrics = ["f1", "gmean", "balanced_accuracy"]
    print("\n### Head to head over dataset x classifier cells (means over folds and seeds)\n")
    print("| metric | pair | win/tie/loss | wins of decided | Wilcoxon p |")
    print("| --- | --- | --- | --- | --- |")
    for i, candidate in enumerate(candidates):
        lines = head_to_head(cell_means, candidate, [args.reference], threshold_metrics)
        lines += head_to_head(cell_means, candidate, ["none"], ["average_precision", "roc_auc"])
        for variant in (candidate, candidate + "+tuned"):
            lines += head_to_head(cell_means, variant, ["none+tuned", "class_weight+tuned"], ["f1"])
        lines += head_to_head(cell_means, candidate, candidates[i + 1 :], threshold_metrics)
        print("\n".join(lines))


if __name__ == "__main__":
    main()
