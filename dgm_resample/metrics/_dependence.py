"""Fidelity of column pairs: association matrices of real and synthetic tables."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from imblearn.utils import Substitution
from sklearn.utils._param_validation import validate_params
from threadpoolctl import threadpool_limits

from ._tables import DOCS, canonical, paired_tables, param_constraints


@dataclass
class DependenceDistance:
    """Difference between real and synthetic association matrices.

    Attributes
    ----------
    real, synthetic : DataFrame
        Association matrices (columns x columns): Pearson correlation between
        numeric columns (in [-1, 1]), Cramér's V between categorical columns and
        the correlation ratio between a categorical and a numeric column (both
        in [0, 1]). The diagonal is 1.
    difference : DataFrame
        ``abs(real - synthetic)``.
    mean : float
        Mean of ``difference`` over the column pairs (upper triangle); ``NaN``
        for a single column.
    """

    real: pd.DataFrame
    synthetic: pd.DataFrame
    difference: pd.DataFrame
    mean: float


def _cramers_v(a, b):
    n = len(a)
    ra, rb = a.max() + 1, b.max() + 1
    if ra < 2 or rb < 2:
        return 0.0
    table = np.bincount(a * rb + b, minlength=ra * rb).reshape(ra, rb).astype(float)
    row, col = table.sum(1), table.sum(0)
    row, col = row[row > 0], col[col > 0]
    table = table[table.sum(1) > 0][:, table.sum(0) > 0]
    expected = np.outer(row, col) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    k = min(len(row), len(col)) - 1
    if k < 1:
        return 0.0
    return float(np.sqrt(min(chi2 / (n * k), 1.0)))


def _correlation_ratio(codes, X):
    """Correlation ratio of each numeric column of ``X`` given categorical ``codes``.

    Missing numeric values are left out column by column.
    """
    observed = ~np.isnan(X)
    counts_total = observed.sum(0)
    means = np.where(counts_total > 0, np.nansum(X, 0) / np.maximum(counts_total, 1), 0.0)
    centered = np.where(observed, X - means, 0.0)
    n_levels = codes.max() + 1
    onehot = np.zeros((len(codes), n_levels))
    onehot[np.arange(len(codes)), codes] = 1.0
    group_sums = onehot.T @ centered
    group_counts = onehot.T @ observed.astype(float)
    between = (group_sums**2 / np.maximum(group_counts, 1)).sum(0)
    total = (centered**2).sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        eta = np.sqrt(np.clip(between / total, 0.0, 1.0))
    return np.where(total > 0, eta, 0.0)


def _pairwise_pearson(X):
    """Pearson correlation on pairwise complete rows, 0 where undefined.

    Computed with matrix products: for columns ``i`` and ``j`` only rows where
    both are observed contribute.
    """
    W = (~np.isnan(X)).astype(np.float64)
    counts = W.sum(0)
    means = np.where(counts > 0, np.nansum(X, 0) / np.maximum(counts, 1), 0.0)
    Z = np.where(W > 0, X - means, 0.0)  # centring limits cancellation
    n = W.T @ W
    s = Z.T @ W  # s[i, j]: sum of column i over rows where j is observed
    ss = (Z**2).T @ W
    cross = Z.T @ Z
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = cross - s * s.T / n
        var = ss - s**2 / n
        corr = cov / np.sqrt(var * var.T)
    corr[~np.isfinite(corr) | (n < 2) | (var <= 1e-12 * np.maximum(ss, 1e-300))] = 0.0
    corr[(var.T <= 1e-12 * np.maximum(ss.T, 1e-300))] = 0.0
    return np.clip(corr, -1.0, 1.0)


def _association_matrix(columns, categorical, labels):
    n_features = len(columns)
    A = np.eye(n_features)
    num = np.flatnonzero(~categorical)
    cat = np.flatnonzero(categorical)
    codes = {j: pd.factorize(columns[j])[0] for j in cat}
    if num.size:
        X = np.column_stack([columns[j] for j in num])
        corr = _pairwise_pearson(X)
        np.fill_diagonal(corr, 1.0)
        A[np.ix_(num, num)] = corr
        for j in cat:
            eta = _correlation_ratio(codes[j], X)
            A[j, num] = eta
            A[num, j] = eta
    for ii, i in enumerate(cat):
        for j in cat[ii + 1 :]:
            A[i, j] = A[j, i] = _cramers_v(codes[i], codes[j])
    return pd.DataFrame(A, index=labels, columns=labels)


@validate_params(param_constraints("real", "synthetic"), prefer_skip_nested_validation=True)
@Substitution(**DOCS)
def dependence_distance(
    real, synthetic, *, categorical_features="auto", max_rows=None, random_state=None
):
    """Mean absolute difference between real and synthetic association matrices.

    Associations: Pearson correlation (pairwise complete observations) between
    numeric columns; Cramér's V (no bias correction, missing as a level) between
    categorical and boolean columns; correlation ratio (eta) between a
    categorical and a numeric column. A constant column has association 0 with
    every other column.

    Parameters
    ----------
    {real_synthetic}
    {categorical_features}
    max_rows : int or None, default=None
        Subsample each table to at most this many rows (``None``: all rows).
    random_state : int, RandomState instance or None, default=None
        Controls the subsampling.

    Returns
    -------
    result : DependenceDistance
        Both association matrices, their absolute difference and its ``mean``
        over column pairs (``NaN`` with a single column). Pearson differences
        lie in [0, 2], the others in [0, 1].
    """
    real, synthetic, categorical = paired_tables(
        real, synthetic, categorical_features, max_rows, random_state
    )
    canon_r, canon_s = canonical([real, synthetic], categorical)
    labels = real.columns
    # The products are small (n x p by n x p); threaded BLAS only adds
    # contention, badly so on busy machines.
    with threadpool_limits(limits=1, user_api="blas"):
        A_r = _association_matrix(canon_r, categorical, labels)
        A_s = _association_matrix(canon_s, categorical, labels)
    diff = (A_r - A_s).abs()
    upper = np.triu_indices(len(labels), k=1)
    values = diff.to_numpy()[upper]
    mean = float(values.mean()) if values.size else float("nan")
    return DependenceDistance(real=A_r, synthetic=A_s, difference=diff, mean=mean)
