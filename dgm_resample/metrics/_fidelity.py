"""Fidelity: how close synthetic rows are to real rows.

:func:`detection_score` (can a classifier tell them apart),
:func:`marginal_distance` (one column at a time) and :func:`precision_recall`
(k-NN support of each table in the other). Column pairs are in
:mod:`._dependence`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import pandas as pd
from imblearn.utils import Substitution
from scipy import stats
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import pairwise_distances_chunked
from sklearn.model_selection import StratifiedGroupKFold, cross_val_score
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params
from threadpoolctl import threadpool_limits

from ._tables import (
    DOCS,
    NAN_TOKEN,
    SEED_MAX,
    canonical,
    encode,
    paired_tables,
    param_constraints,
    row_hashes,
    subsample,
)

#: leaf size of the detection model (scikit-learn's default), lowered for small folds
MIN_SAMPLES_LEAF = 20

# ---------------------------------------------------------------- detection


@validate_params(
    param_constraints("real", "synthetic", cv=[Interval(Integral, 2, None, closed="left")]),
    prefer_skip_nested_validation=True,
)
@Substitution(**DOCS)
def detection_score(
    real, synthetic, *, categorical_features="auto", cv=5, max_rows=10_000, random_state=None
):
    """Cross-validated ROC-AUC of a classifier separating synthetic from real rows.

    Both tables are encoded with the shared encoding (standardized numbers,
    imputed missing values plus indicators, one-hot categories). The larger
    table is subsampled so that both classes have the same number of rows,
    ``min(n_real, n_synthetic, max_rows)``. A
    :class:`~sklearn.ensemble.HistGradientBoostingClassifier` (100 iterations, no
    early stopping, one OpenMP thread, leaves of 20 rows or the largest size
    the smallest training fold can split) is scored by stratified ``cv``-fold
    cross-validation; identical rows are kept in the same fold so that a copied
    row cannot be recognised through its twin on the other side of the split.

    Parameters
    ----------
    {real_synthetic}
    {categorical_features}
    cv : int, default=5
        Number of folds, lowered to the number of rows per class for tiny tables.
    max_rows : int or None, default=10_000
        Maximum number of rows per class; ``None`` uses all balanced rows.
    random_state : int, RandomState instance or None, default=None
        Controls the subsampling, the fold split and the classifier.

    Returns
    -------
    auc : float
        Mean ROC-AUC over the folds: about 0.5 when synthetic rows cannot be
        told from real ones, 1.0 when they are perfectly separable. ``NaN``
        with a warning when a table has a single row, or when all rows of a
        table are identical and the other table differs (no grouped split
        exists).
    """
    real, synthetic, categorical = paired_tables(real, synthetic, categorical_features)
    rng = check_random_state(random_state)
    n = min(real.shape[0], synthetic.shape[0])
    if max_rows is not None:
        n = min(n, max_rows)
    if n < 2:
        warnings.warn(
            "detection_score needs at least 2 rows per table; returning NaN.", stacklevel=3
        )
        return float("nan")
    real = subsample(real, n, rng)
    synthetic = subsample(synthetic, n, rng)
    Xr, Xs = encode([real, synthetic], categorical)
    X = np.vstack([Xr, Xs])
    y = np.r_[np.zeros(n, dtype=int), np.ones(n, dtype=int)]
    # Identical rows share a group so that a row and its copy never sit on both
    # sides of a split (which would push the AUC below 0.5).
    groups = pd.factorize(row_hashes(list(X.T)))[0]
    n_splits = min(cv, n, len(np.unique(groups[:n])), len(np.unique(groups[n:])))
    if n_splits < 2:
        if len(np.unique(groups)) == 1:
            return 0.5  # both tables repeat one and the same row
        warnings.warn(
            "detection_score cannot cross-validate: all rows of a table are identical and "
            "identical rows share a fold; returning NaN.",
            stacklevel=3,
        )
        return float("nan")
    seed = rng.randint(SEED_MAX)
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    folds = list(splitter.split(X, y, groups))
    # A leaf of 20 rows cannot split a fold of fewer than 40 training rows: the
    # model would predict a constant and score exactly 0.5 however different the
    # tables. Small folds get the largest leaf they can still split.
    smallest = min(len(train) for train, _ in folds)
    clf = HistGradientBoostingClassifier(
        max_iter=100,
        early_stopping=False,
        min_samples_leaf=min(MIN_SAMPLES_LEAF, max(1, smallest // 2)),
        random_state=seed,
    )
    # One OpenMP thread: the folds are small, and on shared or busy machines
    # multi-threaded boosting oversubscribes the cores and becomes much slower.
    with threadpool_limits(limits=1, user_api="openmp"):
        scores = cross_val_score(clf, X, y, cv=folds, scoring="roc_auc")
    return float(np.mean(scores))


# ---------------------------------------------------------------- marginals


@dataclass
class MarginalDistance:
    """Per-column marginal distances between a real and a synthetic table.

    Attributes
    ----------
    per_column : Series
        Distance of each column in [0, 1] (0 = same marginal distribution).
    kind : Series
        ``"ks"`` for numeric columns, ``"tvd"`` for categorical ones.
    missing_rate_difference : Series
        Absolute difference of the fraction of missing values per column.
    mean : float
        Average of ``per_column``.
    """

    per_column: pd.Series
    kind: pd.Series
    missing_rate_difference: pd.Series
    mean: float


def _tvd(a, b):
    codes, _ = pd.factorize(np.concatenate([a, b]))
    n_levels = codes.max() + 1
    p = np.bincount(codes[: len(a)], minlength=n_levels) / len(a)
    q = np.bincount(codes[len(a) :], minlength=n_levels) / len(b)
    return 0.5 * float(np.abs(p - q).sum())


def _ks(a, b):
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if a.size == 0 and b.size == 0:
        return 0.0
    if a.size == 0 or b.size == 0:
        return 1.0
    return float(stats.ks_2samp(a, b).statistic)


@validate_params(param_constraints("real", "synthetic"), prefer_skip_nested_validation=True)
@Substitution(**DOCS)
def marginal_distance(real, synthetic, *, categorical_features="auto"):
    """Distance between the one-dimensional marginals of each column.

    Numeric columns: two-sample Kolmogorov–Smirnov statistic on the non-missing
    values; the column distance is the larger of that statistic and the absolute
    difference in missing rates (so a column only scores 0 when both its
    observed values and its missingness match). Categorical and boolean columns:
    total variation distance ``0.5 * sum |p - q|`` over the union of levels,
    missing values counted as their own level (disjoint levels give 1).

    Parameters
    ----------
    {real_synthetic}
    {categorical_features}

    Returns
    -------
    result : MarginalDistance
        ``per_column`` distances in [0, 1], their ``kind``, the
        ``missing_rate_difference`` per column and their ``mean``.
    """
    real, synthetic, categorical = paired_tables(real, synthetic, categorical_features)
    canon_r, canon_s = canonical([real, synthetic], categorical)
    values, kinds, miss = [], [], []
    for j in range(len(categorical)):
        a, b = canon_r[j], canon_s[j]
        if categorical[j]:
            ma, mb = (a == NAN_TOKEN).mean(), (b == NAN_TOKEN).mean()
            values.append(_tvd(a, b))
            kinds.append("tvd")
        else:
            ma, mb = np.isnan(a).mean(), np.isnan(b).mean()
            values.append(max(_ks(a, b), abs(ma - mb)))
            kinds.append("ks")
        miss.append(abs(float(ma) - float(mb)))
    index = real.columns
    per_column = pd.Series(values, index=index, dtype=float, name="distance")
    return MarginalDistance(
        per_column=per_column,
        kind=pd.Series(kinds, index=index, dtype=object, name="kind"),
        missing_rate_difference=pd.Series(miss, index=index, dtype=float, name="missing"),
        mean=float(per_column.mean()),
    )


# ---------------------------------------------------- precision / recall


@dataclass
class PrecisionRecall:
    """k-NN support metrics of synthetic rows with respect to real rows.

    Attributes
    ----------
    precision : float
        Fraction of synthetic rows inside the real k-NN manifold (fidelity).
    recall : float
        Fraction of real rows inside the synthetic k-NN manifold (diversity).
    density : float
        Average number of real k-NN balls holding a synthetic row, divided by
        ``k`` (about 1 for matching distributions, can exceed 1).
    coverage : float
        Fraction of real rows whose k-NN ball holds at least one synthetic row.
    k : int
        Number of neighbours actually used.
    """

    precision: float
    recall: float
    density: float
    coverage: float
    k: int


def _knn_radii(X, k):
    """Distance of each row to its ``k``-th nearest other row."""
    nn = NearestNeighbors(n_neighbors=k + 1).fit(X)
    dist, _ = nn.kneighbors(X)
    return dist[:, -1]


@validate_params(
    param_constraints("real", "synthetic", k=[Interval(Integral, 1, None, closed="left")]),
    prefer_skip_nested_validation=True,
)
@Substitution(**DOCS)
def precision_recall(
    real, synthetic, *, k=5, categorical_features="auto", max_rows=5_000, random_state=None
):
    """k-NN precision/recall and density/coverage of synthetic rows.

    Precision and recall follow Kynkäänniemi et al. (2019): each row of a set
    defines a ball whose radius is the distance to its ``k``-th nearest
    neighbour in the same set; precision is the fraction of synthetic rows inside
    some real ball, recall the fraction of real rows inside some synthetic ball.
    Density and coverage follow Naeem et al. (2020). Distances are Euclidean on
    the shared encoding (standardized numbers, imputed missing values plus
    indicators, one-hot categories), computed exactly in memory-bounded chunks.

    Parameters
    ----------
    {real_synthetic}
    k : int, default=5
        Number of neighbours defining the balls; lowered to ``n_rows - 1`` for a
        table with fewer rows.
    {categorical_features}
    max_rows : int or None, default=5_000
        Subsample each table to at most this many rows (the cost grows with
        ``n_real * n_synthetic``).
    random_state : int, RandomState instance or None, default=None
        Controls the subsampling.

    Returns
    -------
    result : PrecisionRecall
        ``precision``, ``recall``, ``density``, ``coverage`` (``NaN`` when a
        table has fewer than 2 rows) and the ``k`` used.
    """
    real, synthetic, categorical = paired_tables(
        real, synthetic, categorical_features, max_rows, random_state
    )
    n_r, n_s = real.shape[0], synthetic.shape[0]
    k_used = int(min(k, n_r - 1, n_s - 1))
    if k_used < 1:
        nan = float("nan")
        return PrecisionRecall(nan, nan, nan, nan, k_used)
    Xr, Xs = encode([real, synthetic], categorical)
    rad_r = _knn_radii(Xr, k_used)
    rad_s = _knn_radii(Xs, k_used)

    in_real = np.zeros(n_s, dtype=bool)
    n_balls = 0
    in_synth = np.zeros(n_r, dtype=bool)
    nearest_synth = np.full(n_r, np.inf)
    start = 0
    for D in pairwise_distances_chunked(Xs, Xr):  # rows: synthetic, columns: real
        stop = start + D.shape[0]
        inside = D <= rad_r[None, :]
        in_real[start:stop] = inside.any(1)
        n_balls += int(inside.sum())
        in_synth |= (D <= rad_s[start:stop, None]).any(0)
        np.minimum(nearest_synth, D.min(0), out=nearest_synth)
        start = stop
    return PrecisionRecall(
        precision=float(in_real.mean()),
        recall=float(in_synth.mean()),
        density=float(n_balls / (k_used * n_s)),
        coverage=float((nearest_synth <= rad_r).mean()),
        k=k_used,
    )
