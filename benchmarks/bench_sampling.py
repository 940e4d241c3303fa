"""Compare generation-only settings of one sampler on the quality benchmark.

Settings that only shape generation (``sampling_temperature``, ``guidance_scale``,
``eta``, ``n_sampling_steps``) need no refit: the sampler is fitted once per fold
and the minority rows are drawn with ``sample()`` under each setting
(``dgm_resample.benchmark._draws``). Folds, datasets and classifiers are those of
``bench_quality.py`` (profile ``tuning``); SMOTE and no resampling are scored on
the same folds, and each setting is ranked head to head with them (mean rank,
1 = best, per metric and classifier).

    python benchmarks/bench_sampling.py --sampler FlowOverSampler \\
        --settings '[{"sampling_temperature": 1.0}, {"sampling_temperature": 0.7}]'
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings

import pandas as pd

sys.path.insert(0, os.path.dirname(__file__))
from _common import dgm_samplers, select  # noqa: E402
from bench_quality import DATASETS, long_table, mean_ranks  # noqa: E402

from dgm_resample.benchmark._draws import run_draws  # noqa: E402


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
    ((sampler_name, _),) = select(args.sampler, dgm_samplers()).items()
    config = {
        "profile": "tuning",
        "datasets": [d.strip() for d in args.datasets.split(",") if d.strip()],
        "n_splits": args.folds,
    }
    params = {"device": "cpu", **json.loads(args.params)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = run_draws(config, sampler_name, json.loads(args.settings), params)
    table = long_table(results)
    if args.csv:
        table.to_csv(args.csv, index=False)
    head_to_head(table)


if __name__ == "__main__":
    main()
