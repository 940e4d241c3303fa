"""A screening composite for the benchmark: half the synthetic rows from each of two samplers.

Not part of the package: it exists so that the one-seed screen in
``docs/dev/recommended-sampler.md`` ("A composite of the two leading samplers") can be rerun.
``HalfHalf`` fits the autoregressive and the diffusion sampler, each at its
defaults and with its own seed derived from ``random_state``, on the same
training rows, and keeps for every class the first half (rounded down) of the
autoregressive sampler's synthetic rows of that class and the rest from the
diffusion sampler's, so the counts are those of ``sampling_strategy``.

    PYTHONPATH=benchmarks dgm-resample benchmark \\
        --config benchmarks/configs/composite-screen-mixed.yaml --fit-seed 0 \\
        --output bench-composite-screen/seed0
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

from dgm_resample import AutoregressiveOverSampler, DiffusionOverSampler


class HalfHalf(BaseEstimator):
    """Synthetic rows split evenly between the autoregressive and the diffusion sampler.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        Passed to both samplers (imbalanced-learn's meaning).
    random_state : int, RandomState instance or None, default=None
        Seeds of the two fits are drawn from it.
    n_threads : int or None, default=None
        Torch threads of each fit.
    """

    def __init__(self, *, sampling_strategy="auto", random_state=None, n_threads=None):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.n_threads = n_threads

    def fit_resample(self, X, y):
        seeds = check_random_state(self.random_state).randint(np.iinfo(np.int32).max, size=2)
        common = {"sampling_strategy": self.sampling_strategy, "n_threads": self.n_threads}
        parts = [
            family(random_state=int(seed), **common).fit_resample(X, y)
            for family, seed in zip((AutoregressiveOverSampler, DiffusionOverSampler), seeds)
        ]
        n = len(y)
        (X_ar, y_ar), (X_diff, y_diff) = ((X_res, np.asarray(y_res)[n:]) for X_res, y_res in parts)
        keep_ar, keep_diff = [], []
        for label in np.unique(y_ar):
            rows_ar, rows_diff = np.flatnonzero(y_ar == label), np.flatnonzero(y_diff == label)
            half = len(rows_ar) // 2
            keep_ar.extend(rows_ar[:half])
            keep_diff.extend(rows_diff[half:])
        y_new = np.concatenate([np.asarray(y), y_ar[keep_ar], y_diff[keep_diff]])
        if isinstance(X, pd.DataFrame):
            new = [X_ar.iloc[n:].iloc[keep_ar], X_diff.iloc[n:].iloc[keep_diff]]
            X_new = pd.concat([X, *new], ignore_index=True)
        else:
            X_new = np.concatenate([X, X_ar[n:][keep_ar], X_diff[n:][keep_diff]])
        if isinstance(y, pd.Series):
            y_new = pd.Series(y_new, name=y.name).astype(y.dtype)
        return X_new, y_new
