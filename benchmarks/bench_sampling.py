"""Compare generation-only settings of one sampler on the quality benchmark.

Settings that only shape generation (``sampling_temperature``, ``guidance_scale``,
``eta``, ``n_sampling_steps``) need no refit: the sampler is fitted once per fold
and the minority rows are drawn with ``sample()`` under each setting. Folds,
datasets and classifiers are those of ``bench_quality.py``; SMOTE and no
resampling are scored on the same folds, and each setting is ranked head to head
with them (mean rank, 1 = best, per metric and classifier).

    python benchmarks/bench_sampling.py --sampler FlowOverSampler \\
        --settings '[{"sampling_temperature": 1.0}, {"sampling_temperature": 0.7}]'
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTE
from sklearn.base import clone
from sklearn.metrics import check_scoring
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, os.path.dirname(__file__))
from _common import dgm_samplers, select  # noqa: E402
from bench_quality import CLASSIFIERS, DATASETS, SCORING, load, mean_ranks  # noqa: E402


def score_fold(X_train, y_train, X_test, y_test):
    """``bench_quality``'s scores of each classifier trained on one resampled fold."""
    out = {}
    for name, clf in CLASSIFIERS.items():
        model = make_pipeline(StandardScaler(), clone(clf)).fit(X_train, y_train)
        scores = check_scoring(model, scoring=SCORING)(model, X_test, y_test)
        out.update({(name, metric): value for metric, value in scores.items()})
    return out


def with_samples(sampler, X, y, random_state):
    """Training rows plus ``sampling_strategy_`` new rows per class drawn with ``sample``."""
    parts_X, parts_y = [X], [y]
    for label, n_new in sampler.sampling_strategy_.items():
        if n_new > 0:
            parts_X.append(np.asarray(sampler.sample(n_new, label, random_state=random_state)))
            parts_y.append(np.full(n_new, label, dtype=y.dtype))
    return np.vstack(parts_X), np.concatenate(parts_y)


def setting_name(sampler_name, setting):
    return sampler_name + "".join(f"_{k}={v}" for k, v in setting.items())


def run(sampler_name, cls, params, settings, datasets, folds):
    rows = []
    for dataset in datasets:
        X, y = load(dataset)
        start, scores = time.perf_counter(), {}
        cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
        for fold, (train, test) in enumerate(cv.split(X, y)):
            X_tr, y_tr, X_te, y_te = X[train], y[train], X[test], y[test]
            candidates = {
                "none": (X_tr, y_tr),
                "SMOTE": SMOTE(random_state=0).fit_resample(X_tr, y_tr),
            }
            sampler = cls(random_state=0, device="cpu", **params)
            sampler.fit_resample(X_tr, y_tr)
            for setting in settings:
                sampler.set_params(**setting)
                name = setting_name(sampler_name, setting)
                candidates[name] = with_samples(sampler, X_tr, y_tr, random_state=fold)
            for name, (X_res, y_res) in candidates.items():
                for key, value in score_fold(X_res, y_res, X_te, y_te).items():
                    scores.setdefault((name, *key), []).append(value)
        for (name, clf_name, metric), values in scores.items():
            rows.append((dataset, name, clf_name, metric, float(np.mean(values))))
        print(f"{dataset}: {time.perf_counter() - start:.0f} s", flush=True)
    return pd.DataFrame(rows, columns=["dataset", "sampler", "classifier", "metric", "score"])


def head_to_head(table):
    """Mean rank of each setting against SMOTE and no resampling only."""
    base = table[table.sampler.isin(["none", "SMOTE"])]
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", None)
    for name in [s for s in table.sampler.unique() if s not in ("none", "SMOTE")]:
        ranks = mean_ranks(pd.concat([base, table[table.sampler == name]]))
        print(f"\n== {name}")
        print(ranks.round(2))
        means = ranks.T.groupby(level="metric").mean().T.round(2)
        print("mean over classifiers:\n" + means.to_string())


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sampler", required=True, help="a dgm sampler class name")
    parser.add_argument("--settings", required=True, metavar="JSON", help="list of dicts")
    parser.add_argument("--params", default="{}", metavar="JSON", help="fit parameters")
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--csv", default="", help="also write the per-cell scores here")
    args = parser.parse_args(argv)
    ((sampler_name, cls),) = select(args.sampler, dgm_samplers()).items()
    settings = json.loads(args.settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = run(
            sampler_name,
            cls,
            json.loads(args.params),
            settings,
            args.datasets.split(","),
            args.folds,
        )
    if args.csv:
        table.to_csv(args.csv, index=False)
    head_to_head(table)


if __name__ == "__main__":
    main()
