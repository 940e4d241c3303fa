"""Fidelity and privacy metrics for synthetic tabular data.

Every metric compares a real table with a synthetic table of the same schema.
Tables may be pandas DataFrames (numeric, integer, boolean, categorical,
object or string columns, missing values allowed) or 2D numpy arrays.

Fidelity
    :func:`detection_score`, :func:`marginal_distance`,
    :func:`dependence_distance`, :func:`precision_recall`.
Privacy (memorization)
    :func:`distance_to_closest_record`.
Benchmark summary
    :func:`evaluate_synthetic` computes all of them in one call and returns a
    flat ``dict`` of floats.

All tables are brought to a common numeric matrix by one private encoder
(:func:`_encode`): numeric columns are standardized with the real table's mean
and standard deviation, missing numeric values are imputed with that mean and
flagged by an indicator column, categorical columns are one-hot encoded with
missing values as their own level.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import pairwise_distances_chunked
from sklearn.model_selection import StratifiedGroupKFold, cross_val_score
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state
from threadpoolctl import threadpool_limits

from ._validation import as_frame, resolve_categorical

__all__ = [
    "DCRResult",
    "DependenceDistance",
    "MarginalDistance",
    "PrecisionRecall",
    "dependence_distance",
    "detection_score",
    "distance_to_closest_record",
    "evaluate_synthetic",
    "marginal_distance",
    "precision_recall",
]

_NAN_TOKEN = "\x00<NaN>"
_OTHER_TOKEN = "\x00<other>"
_MAX_LEVELS = 100
#: leaf size of the detection model (scikit-learn's default), lowered for small folds
_MIN_SAMPLES_LEAF = 20
_EVALUATE_KEYS = (
    "detection_auc",
    "marginal_distance",
    "dependence_distance",
    "precision",
    "recall",
    "density",
    "coverage",
    "dcr_synthetic",
    "dcr_holdout",
    "dcr_ratio",
    "exact_copy_rate",
)


# ---------------------------------------------------------------------------
# Validation and encoding (shared by all metrics)
# ---------------------------------------------------------------------------


def _is_numeric(dtype):
    """Numbers and booleans (booleans can be compared with 0/1 numbers)."""
    return pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)


def _convertible_to_numbers(series):
    values = series.dropna()
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    try:
        pd.to_numeric(values, errors="raise")
    except (ValueError, TypeError):
        return False
    return True


def _validate_tables(tables, names, categorical_features="auto", allow_empty=False):
    """Align several tables on the first one's schema.

    Parameters
    ----------
    tables : list of array-like or DataFrame
        The first table is the reference whose column order is kept.
    names : list of str
        Names used in error messages.
    categorical_features : "auto", array-like of str, int or bool
        See :func:`marginal_distance`.
    allow_empty : bool, default=False
        Whether tables with no rows are accepted.

    Returns
    -------
    frames : list of DataFrame
        Tables with the reference's column labels and order.
    categorical : ndarray of bool
        Which columns are treated as categorical.
    """
    frames = [as_frame(X, name) for X, name in zip(tables, names)]
    ref, ref_name = frames[0], names[0]
    if ref.shape[1] == 0:
        raise ValueError(f"{ref_name} has no columns.")
    aligned = [ref]
    for frame, name, raw in zip(frames[1:], names[1:], tables[1:]):
        if frame.shape[1] != ref.shape[1]:
            raise ValueError(
                f"{name} has {frame.shape[1]} features but {ref_name} has {ref.shape[1]}."
            )
        if isinstance(raw, pd.DataFrame) and isinstance(tables[0], pd.DataFrame):
            missing = [c for c in ref.columns if c not in frame.columns]
            extra = [c for c in frame.columns if c not in ref.columns]
            if missing or extra:
                raise ValueError(
                    f"{name} and {ref_name} have different columns: missing from {name}: "
                    f"{missing}, not in {ref_name}: {extra}."
                )
            frame = frame[list(ref.columns)]
        else:
            frame = frame.set_axis(ref.columns, axis=1)
        aligned.append(frame)
    if not allow_empty:
        for frame, name in zip(aligned, names):
            if frame.shape[0] == 0:
                raise ValueError(f"{name} is empty (0 rows).")

    for column in ref.columns:
        numeric = [_is_numeric(frame[column].dtype) for frame in aligned]
        if any(numeric) and not all(numeric):
            for frame, is_num, name in zip(aligned, numeric, names):
                if not is_num and not _convertible_to_numbers(frame[column]):
                    raise ValueError(
                        f"Column {column!r} has incompatible dtypes: numeric in one table "
                        f"but {frame[column].dtype} with non-numeric values in {name}."
                    )
    categorical = resolve_categorical(aligned, categorical_features, booleans=True, name=ref_name)
    return aligned, categorical


def _numeric_values(series):
    """Float values of a numeric, boolean or number-like column (NaN for missing)."""
    if isinstance(series.dtype, pd.CategoricalDtype) or not _is_numeric(series.dtype):
        series = pd.to_numeric(series.astype(object), errors="coerce")
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def _category_tokens(series):
    """String tokens of a categorical column, missing values as their own token.

    Numbers and booleans are written as floats so that ``True``, ``1`` and ``1.0``
    are the same level in every table.
    """
    if _is_numeric(series.dtype) and not isinstance(series.dtype, pd.CategoricalDtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        missing = np.isnan(values)
        tokens = values.astype(str).astype(object)
    else:
        missing = series.isna().to_numpy()
        tokens = series.astype(object).map(str).to_numpy(dtype=object)
    tokens[missing] = _NAN_TOKEN
    return tokens


def _canonical(frames, categorical):
    """Per-column canonical values: float arrays (numeric) or token arrays."""
    out = []
    for frame in frames:
        columns = []
        for j, column in enumerate(frame.columns):
            series = frame[column]
            columns.append(_category_tokens(series) if categorical[j] else _numeric_values(series))
        out.append(columns)
    return out


def _encode(frames, categorical, reference=0):
    """Encode mixed tables into dense float matrices with one shared encoding.

    Numeric columns are standardized with the mean and standard deviation of the
    ``reference`` table (non-missing values); missing values are imputed with
    that mean (0 after scaling) and, when a column has missing values in any
    table, flagged by an extra 0/1 indicator column. Categorical columns are
    one-hot encoded over the union of their levels (missing is a level); beyond
    the 100 most frequent levels the rest share one "other" column.

    Parameters
    ----------
    frames : list of DataFrame
        Aligned tables (see :func:`_validate_tables`).
    categorical : ndarray of bool
        Categorical columns.
    reference : int, default=0
        Index of the table providing the numeric scaling.

    Returns
    -------
    matrices : list of ndarray of shape (n_rows_i, n_encoded)
    """
    canon = _canonical(frames, categorical)
    blocks = [[] for _ in frames]
    for j in range(len(categorical)):
        columns = [c[j] for c in canon]
        if categorical[j]:
            stacked = np.concatenate(columns)
            codes, levels = pd.factorize(stacked)
            if len(levels) > _MAX_LEVELS:
                counts = np.bincount(codes, minlength=len(levels))
                keep = np.argsort(-counts, kind="stable")[:_MAX_LEVELS]
                remap = np.full(len(levels), _MAX_LEVELS, dtype=np.intp)
                remap[keep] = np.arange(_MAX_LEVELS)
                codes = remap[codes]
                n_levels = _MAX_LEVELS + 1
            else:
                n_levels = len(levels)
            start = 0
            for i, col in enumerate(columns):
                part = codes[start : start + len(col)]
                start += len(col)
                onehot = np.zeros((len(col), n_levels))
                onehot[np.arange(len(col)), part] = 1.0
                blocks[i].append(onehot)
        else:
            ref = columns[reference]
            observed = ref[~np.isnan(ref)]
            mean = float(observed.mean()) if observed.size else 0.0
            std = float(observed.std()) if observed.size else 0.0
            std = std if std > 0 and np.isfinite(std) else 1.0
            has_missing = any(np.isnan(col).any() for col in columns)
            for i, col in enumerate(columns):
                missing = np.isnan(col)
                scaled = np.where(missing, 0.0, (col - mean) / std)
                blocks[i].append(scaled[:, None])
                if has_missing:
                    blocks[i].append(missing[:, None].astype(np.float64))
    return [np.hstack(b) if b else np.zeros((0, 0)) for b in blocks]


def _subsample(frame, max_rows, rng):
    """Rows of ``frame`` drawn without replacement, at most ``max_rows``."""
    if max_rows is None or frame.shape[0] <= max_rows:
        return frame
    idx = np.sort(rng.choice(frame.shape[0], size=int(max_rows), replace=False))
    return frame.iloc[idx]


def _check_max_rows(max_rows):
    if max_rows is not None and (not isinstance(max_rows, numbers.Integral) or max_rows < 2):
        raise ValueError(f"max_rows must be None or an integer >= 2, got {max_rows!r}.")


# ---------------------------------------------------------------------------
# Detection
# ---------------------------------------------------------------------------


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
    real, synthetic : DataFrame or array-like of shape (n_rows, n_features)
        Real and synthetic tables with the same columns.
    categorical_features : "auto", array-like of str, int or bool, default="auto"
        Columns treated as categorical. ``"auto"`` selects boolean, category,
        object and string columns (numpy object arrays are categorical); names,
        indices or a boolean mask add numeric columns to them.
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
    _check_max_rows(max_rows)
    if not isinstance(cv, numbers.Integral) or cv < 2:
        raise ValueError(f"cv must be an integer >= 2, got {cv!r}.")
    (real, synthetic), categorical = _validate_tables(
        [real, synthetic], ["real", "synthetic"], categorical_features
    )
    rng = check_random_state(random_state)
    n = min(real.shape[0], synthetic.shape[0])
    if max_rows is not None:
        n = min(n, max_rows)
    if n < 2:
        warnings.warn(
            "detection_score needs at least 2 rows per table; returning NaN.", stacklevel=2
        )
        return float("nan")
    real = _subsample(real, n, rng)
    synthetic = _subsample(synthetic, n, rng)
    Xr, Xs = _encode([real, synthetic], categorical)
    X = np.vstack([Xr, Xs])
    y = np.r_[np.zeros(n, dtype=int), np.ones(n, dtype=int)]
    # Identical rows share a group so that a row and its copy never sit on both
    # sides of a split (which would push the AUC below 0.5).
    groups = pd.factorize(_row_hashes(list(X.T)))[0]
    n_splits = min(cv, n, len(np.unique(groups[:n])), len(np.unique(groups[n:])))
    if n_splits < 2:
        if len(np.unique(groups)) == 1:
            return 0.5  # both tables repeat one and the same row
        warnings.warn(
            "detection_score cannot cross-validate: all rows of a table are identical and "
            "identical rows share a fold; returning NaN.",
            stacklevel=2,
        )
        return float("nan")
    seed = rng.randint(np.iinfo(np.int32).max)
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    folds = list(splitter.split(X, y, groups))
    # A leaf of 20 rows cannot split a fold of fewer than 40 training rows: the
    # model would predict a constant and score exactly 0.5 however different the
    # tables. Small folds get the largest leaf they can still split.
    smallest = min(len(train) for train, _ in folds)
    clf = HistGradientBoostingClassifier(
        max_iter=100,
        early_stopping=False,
        min_samples_leaf=min(_MIN_SAMPLES_LEAF, max(1, smallest // 2)),
        random_state=seed,
    )
    # One OpenMP thread: the folds are small, and on shared or busy machines
    # multi-threaded boosting oversubscribes the cores and becomes much slower.
    with threadpool_limits(limits=1, user_api="openmp"):
        scores = cross_val_score(clf, X, y, cv=folds, scoring="roc_auc")
    return float(np.mean(scores))


# ---------------------------------------------------------------------------
# Marginals
# ---------------------------------------------------------------------------


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
    real, synthetic : DataFrame or array-like of shape (n_rows, n_features)
        Real and synthetic tables with the same columns.
    categorical_features : "auto", array-like of str, int or bool, default="auto"
        Columns treated as categorical, see :func:`detection_score`.

    Returns
    -------
    result : MarginalDistance
        ``per_column`` distances in [0, 1], their ``kind``, the
        ``missing_rate_difference`` per column and their ``mean``.
    """
    (real, synthetic), categorical = _validate_tables(
        [real, synthetic], ["real", "synthetic"], categorical_features
    )
    canon_r, canon_s = _canonical([real, synthetic], categorical)
    values, kinds, miss = [], [], []
    for j in range(len(categorical)):
        a, b = canon_r[j], canon_s[j]
        if categorical[j]:
            ma, mb = (a == _NAN_TOKEN).mean(), (b == _NAN_TOKEN).mean()
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


# ---------------------------------------------------------------------------
# Dependence
# ---------------------------------------------------------------------------


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
    real, synthetic : DataFrame or array-like of shape (n_rows, n_features)
        Real and synthetic tables with the same columns.
    categorical_features : "auto", array-like of str, int or bool, default="auto"
        Columns treated as categorical, see :func:`detection_score`.
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
    _check_max_rows(max_rows)
    (real, synthetic), categorical = _validate_tables(
        [real, synthetic], ["real", "synthetic"], categorical_features
    )
    rng = check_random_state(random_state)
    real, synthetic = _subsample(real, max_rows, rng), _subsample(synthetic, max_rows, rng)
    canon_r, canon_s = _canonical([real, synthetic], categorical)
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


# ---------------------------------------------------------------------------
# Precision / recall / density / coverage
# ---------------------------------------------------------------------------


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
    real, synthetic : DataFrame or array-like of shape (n_rows, n_features)
        Real and synthetic tables with the same columns.
    k : int, default=5
        Number of neighbours defining the balls; lowered to ``n_rows - 1`` for a
        table with fewer rows.
    categorical_features : "auto", array-like of str, int or bool, default="auto"
        Columns treated as categorical, see :func:`detection_score`.
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
    _check_max_rows(max_rows)
    if not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}.")
    (real, synthetic), categorical = _validate_tables(
        [real, synthetic], ["real", "synthetic"], categorical_features
    )
    rng = check_random_state(random_state)
    real, synthetic = _subsample(real, max_rows, rng), _subsample(synthetic, max_rows, rng)
    n_r, n_s = real.shape[0], synthetic.shape[0]
    k_used = int(min(k, n_r - 1, n_s - 1))
    if k_used < 1:
        nan = float("nan")
        return PrecisionRecall(nan, nan, nan, nan, k_used)
    Xr, Xs = _encode([real, synthetic], categorical)
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


# ---------------------------------------------------------------------------
# Distance to closest record
# ---------------------------------------------------------------------------


@dataclass
class DCRResult:
    """Distance to closest record (memorization check).

    Attributes
    ----------
    dcr_synthetic : float
        Median distance of a synthetic row to its closest training row.
    dcr_holdout : float
        Median distance of a held-out real row to its closest training row.
    ratio : float
        ``dcr_synthetic / dcr_holdout``: about 1 or above when the generator
        does not copy, well below 1 when synthetic rows sit on training rows.
        ``NaN`` when ``dcr_holdout`` is 0.
    exact_copy_rate : float
        Fraction of synthetic rows identical to a training row (all columns,
        missing values equal to missing values), counted on the full tables.
    """

    dcr_synthetic: float
    dcr_holdout: float
    ratio: float
    exact_copy_rate: float


def _row_hashes(columns):
    frame = pd.DataFrame(
        {
            j: (col + 0.0 if col.dtype.kind == "f" else col)  # -0.0 -> 0.0
            for j, col in enumerate(columns)
        }
    )
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


def distance_to_closest_record(
    train, synthetic, holdout, *, categorical_features="auto", max_rows=10_000, random_state=None
):
    """Distance to closest record of synthetic rows versus held-out real rows.

    For every synthetic row, the Euclidean distance to its nearest training row
    is computed on the shared encoding (scaled with the training table); the
    same is done for held-out real rows never seen by the generator. A
    generator that copies training rows has synthetic distances well below the
    held-out ones. Exact copies are counted separately by hashing the full rows.

    Parameters
    ----------
    train : DataFrame or array-like of shape (n_train, n_features)
        Real rows the generator was trained on.
    synthetic : DataFrame or array-like of shape (n_synthetic, n_features)
        Generated rows.
    holdout : DataFrame or array-like of shape (n_holdout, n_features)
        Real rows from the same distribution not used for training.
    categorical_features : "auto", array-like of str, int or bool, default="auto"
        Columns treated as categorical, see :func:`detection_score`.
    max_rows : int or None, default=10_000
        Subsample each table to at most this many rows for the distances (the
        exact-copy rate always uses all rows). Synthetic and held-out rows are
        compared with the same training subsample, so the ratio stays fair.
    random_state : int, RandomState instance or None, default=None
        Controls the subsampling.

    Returns
    -------
    result : DCRResult
        Median distances, their ratio and the exact-copy rate.
    """
    _check_max_rows(max_rows)
    (train, synthetic, holdout), categorical = _validate_tables(
        [train, synthetic, holdout], ["train", "synthetic", "holdout"], categorical_features
    )
    canon_t, canon_s = _canonical([train, synthetic], categorical)
    exact = float(np.isin(_row_hashes(canon_s), _row_hashes(canon_t)).mean())

    rng = check_random_state(random_state)
    train, synthetic, holdout = (_subsample(t, max_rows, rng) for t in (train, synthetic, holdout))
    Xt, Xs, Xh = _encode([train, synthetic, holdout], categorical)
    nn = NearestNeighbors(n_neighbors=1).fit(Xt)
    d_s = float(np.median(nn.kneighbors(Xs)[0][:, 0]))
    d_h = float(np.median(nn.kneighbors(Xh)[0][:, 0]))
    ratio = d_s / d_h if d_h > 0 else float("nan")
    return DCRResult(dcr_synthetic=d_s, dcr_holdout=d_h, ratio=ratio, exact_copy_rate=exact)


# ---------------------------------------------------------------------------
# All at once
# ---------------------------------------------------------------------------


def evaluate_synthetic(
    X_train, X_test, X_synthetic, *, categorical_features="auto", random_state=None, max_rows=5000
):
    """Compute every fidelity and privacy metric in one call.

    Fidelity metrics (detection, marginal, dependence, precision/recall,
    density/coverage) compare ``X_synthetic`` with the held-out real rows
    ``X_test``; the distance to closest record compares ``X_synthetic`` and
    ``X_test`` against ``X_train``. Each table is first subsampled to at most
    ``max_rows`` rows (exact copies are still counted on all rows).

    Tables with mismatched schemas raise a ``ValueError``. Otherwise the
    function does not raise: a metric that cannot be computed (empty or tiny
    tables, a single column for the dependence distance, ...) is ``NaN``.

    Parameters
    ----------
    X_train : DataFrame or array-like of shape (n_train, n_features)
        Real rows the generator was trained on.
    X_test : DataFrame or array-like of shape (n_test, n_features)
        Held-out real rows of the same population.
    X_synthetic : DataFrame or array-like of shape (n_synthetic, n_features)
        Generated rows.
    categorical_features : "auto", array-like of str, int or bool, default="auto"
        Columns treated as categorical, see :func:`detection_score`.
    random_state : int, RandomState instance or None, default=None
        Controls subsampling, cross-validation folds and the detection model.
    max_rows : int or None, default=5000
        Maximum number of rows used from each table.

    Returns
    -------
    scores : dict of str to float
        Keys ``"detection_auc"``, ``"marginal_distance"``,
        ``"dependence_distance"``, ``"precision"``, ``"recall"``, ``"density"``,
        ``"coverage"``, ``"dcr_synthetic"``, ``"dcr_holdout"``, ``"dcr_ratio"``
        and ``"exact_copy_rate"``.
    """
    _check_max_rows(max_rows)
    (train, test, synth), categorical = _validate_tables(
        [X_train, X_test, X_synthetic],
        ["X_train", "X_test", "X_synthetic"],
        categorical_features,
        allow_empty=True,
    )
    scores = dict.fromkeys(_EVALUATE_KEYS, float("nan"))
    rng = check_random_state(random_state)
    seeds = rng.randint(np.iinfo(np.int32).max, size=4)
    copies = 0.0
    if synth.shape[0] and train.shape[0]:
        canon_t, canon_s = _canonical([train, synth], categorical)
        copies = float(np.isin(_row_hashes(canon_s), _row_hashes(canon_t)).mean())
        scores["exact_copy_rate"] = copies
    train, test, synth = (_subsample(t, max_rows, rng) for t in (train, test, synth))
    mask = categorical

    def guarded(name, func):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                return func()
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
            warnings.warn(f"evaluate_synthetic: {name} set to NaN ({exc}).", stacklevel=3)
            return None

    have_fidelity = test.shape[0] > 0 and synth.shape[0] > 0
    if have_fidelity:
        auc = guarded(
            "detection_auc",
            lambda: detection_score(
                test, synth, categorical_features=mask, max_rows=None, random_state=seeds[0]
            ),
        )
        if auc is not None:
            scores["detection_auc"] = auc
        marg = guarded(
            "marginal_distance",
            lambda: marginal_distance(test, synth, categorical_features=mask),
        )
        if marg is not None:
            scores["marginal_distance"] = marg.mean
        dep = guarded(
            "dependence_distance",
            lambda: dependence_distance(test, synth, categorical_features=mask),
        )
        if dep is not None:
            scores["dependence_distance"] = dep.mean
        pr = guarded(
            "precision_recall",
            lambda: precision_recall(
                test, synth, categorical_features=mask, max_rows=None, random_state=seeds[1]
            ),
        )
        if pr is not None:
            scores.update(
                precision=pr.precision, recall=pr.recall, density=pr.density, coverage=pr.coverage
            )
    if have_fidelity and train.shape[0] > 0:
        dcr = guarded(
            "distance_to_closest_record",
            lambda: distance_to_closest_record(
                train,
                synth,
                test,
                categorical_features=mask,
                max_rows=None,
                random_state=seeds[2],
            ),
        )
        if dcr is not None:
            scores.update(
                dcr_synthetic=dcr.dcr_synthetic, dcr_holdout=dcr.dcr_holdout, dcr_ratio=dcr.ratio
            )
        scores["exact_copy_rate"] = copies
    return {key: float(scores[key]) for key in _EVALUATE_KEYS}
