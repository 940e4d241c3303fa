"""What every metric does first: align the tables and encode them.

:func:`validate_tables` checks and aligns the real and synthetic tables with
the package's shared input checks (:mod:`dgm_resample._validation`) and decides
which columns are categorical; :func:`canonical` gives each column as floats or
category tokens; :func:`encode` turns aligned tables into one numeric matrix
each, with one shared encoding. The parameter constraints shared by the public
functions are here too.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from .._validation import align_columns, as_frame, integer_dtype, resolve_categorical, to_pandas

#: category token of a missing value
NAN_TOKEN = "\x00<NaN>"
#: categorical columns keep their most frequent levels, the rest share one column
MAX_LEVELS = 100
#: seeds derived from a random state lie in [0, SEED_MAX)
SEED_MAX = np.iinfo(np.int32).max


#: docstring pieces of the shared parameters (filled in with ``imblearn.utils.Substitution``)
DOCS = {
    "real_synthetic": """real, synthetic : DataFrame or array-like of shape (n_rows, n_features)
        Real and synthetic tables with the same columns.""",
    "categorical_features": """categorical_features : "auto", array-like of str, int or bool, \
default="auto"
        Columns treated as categorical. ``"auto"`` (or ``None``) selects
        boolean, category, object and string columns (every column of a numpy
        object array). Names, indices or a boolean mask select columns as in
        :class:`~imblearn.over_sampling.SMOTENC`; columns whose values cannot be
        numbers (strings, category or string dtype) stay categorical.""",
}


def param_constraints(*tables, **extra):
    """``validate_params`` constraints: the named tables, the shared parameters, ``extra``."""
    return {
        **{name: ["array-like"] for name in tables},
        "categorical_features": ["array-like", StrOptions({"auto"}), None],
        "max_rows": [Interval(Integral, 2, None, closed="left"), None],
        "random_state": ["random_state"],
        **extra,
    }


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


def validate_tables(tables, names, categorical_features="auto", allow_empty=False):
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
    sources = [to_pandas(X) for X in tables]
    frames = [as_frame(X, name) for X, name in zip(sources, names)]
    ref, ref_name = frames[0], names[0]
    if ref.shape[1] == 0:
        raise ValueError(f"{ref_name} has no columns.")
    aligned = [ref]
    for frame, name, source in zip(frames[1:], names[1:], sources[1:]):
        if frame.shape[1] != ref.shape[1]:
            raise ValueError(
                f"{name} has {frame.shape[1]} features but {ref_name} has {ref.shape[1]}."
            )
        if isinstance(source, pd.DataFrame) and isinstance(sources[0], pd.DataFrame):
            frame = align_columns(frame, list(ref.columns), name, ref_name)
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


def numeric_values(series):
    """Float values of a numeric, boolean or number-like column (NaN for missing)."""
    if isinstance(series.dtype, pd.CategoricalDtype) or not _is_numeric(series.dtype):
        series = pd.to_numeric(series.astype(object), errors="coerce")
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def _token(value):
    """The category token of one value: numbers and booleans by their value.

    A whole number is written as an integer (exactly, also beyond 2**53),
    another number as its float, so that ``True``, ``1`` and ``1.0`` (in any
    dtype, or as levels of a category) are one level; anything else is its
    string.
    """
    if isinstance(value, (bool, np.bool_, Integral)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value)


def category_tokens(series):
    """String tokens of a categorical column, missing values as their own token.

    Equal values are one token whatever the column's dtype: see :func:`_token`.
    """
    missing = series.isna().to_numpy()
    codes, levels = pd.factorize(series.astype(object), use_na_sentinel=True)
    tokens = np.asarray([_token(v) for v in levels] + [NAN_TOKEN], dtype=object)
    return tokens[np.where(missing, len(levels), codes)]


def _integer_offsets(series_list, exact):
    """A column holding integers in every table, as distances from its minimum.

    Returns ``None`` unless every table holds integers in the column. The
    distance of each value from the smallest value of all tables is computed
    in Python ints, then converted to floats (NaN where missing); with
    ``exact`` the Python ints are kept (in object arrays), so that ids beyond
    2**53 that differ by one stay different.
    """
    kinds = [integer_dtype(s) for s in series_list]
    if any(kind is None for kind in kinds):
        return None
    parts = []
    for series, kind in zip(series_list, kinds):
        missing = series.isna().to_numpy()
        parts.append((missing, series[~missing].to_numpy(dtype=kind).astype(object)))
    low = min((int(values.min()) for _, values in parts if len(values)), default=0)
    out = []
    for missing, values in parts:
        column = np.full(len(missing), np.nan, dtype=object)
        column[~missing] = values - low
        out.append(column if exact else column.astype(np.float64))
    return out


def canonical(frames, categorical, exact=False):
    """Per-column canonical values: float arrays (numeric) or token arrays.

    A numeric column holding integers in every table is read as the distance
    of each value from the smallest value of all tables, computed exactly
    before the conversion to floats; with ``exact`` it comes as those Python
    ints instead (NaN where missing), for comparisons that must be exact.
    """
    out = [[] for _ in frames]
    for j in range(len(categorical)):
        series = [frame.iloc[:, j] for frame in frames]
        offsets = None if categorical[j] else _integer_offsets(series, exact)
        for k, columns in enumerate(out):
            if offsets is not None:
                columns.append(offsets[k])
            elif categorical[j]:
                columns.append(category_tokens(series[k]))
            else:
                columns.append(numeric_values(series[k]))
    return out


def encode(frames, categorical, reference=0):
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
        Aligned tables (see :func:`validate_tables`).
    categorical : ndarray of bool
        Categorical columns.
    reference : int, default=0
        Index of the table providing the numeric scaling.

    Returns
    -------
    matrices : list of ndarray of shape (n_rows_i, n_encoded)
    """
    canon = canonical(frames, categorical)
    blocks = [[] for _ in frames]
    for j in range(len(categorical)):
        columns = [c[j] for c in canon]
        if categorical[j]:
            stacked = np.concatenate(columns)
            codes, levels = pd.factorize(stacked)
            if len(levels) > MAX_LEVELS:
                counts = np.bincount(codes, minlength=len(levels))
                keep = np.argsort(-counts, kind="stable")[:MAX_LEVELS]
                remap = np.full(len(levels), MAX_LEVELS, dtype=np.intp)
                remap[keep] = np.arange(MAX_LEVELS)
                codes = remap[codes]
                n_levels = MAX_LEVELS + 1
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


def subsample(frame, max_rows, rng):
    """Rows of ``frame`` drawn without replacement, at most ``max_rows``."""
    if max_rows is None or frame.shape[0] <= max_rows:
        return frame
    idx = np.sort(rng.choice(frame.shape[0], size=int(max_rows), replace=False))
    return frame.iloc[idx]


def paired_tables(real, synthetic, categorical_features, max_rows=None, random_state=None):
    """Validated real and synthetic tables, each subsampled to ``max_rows`` rows.

    Returns ``(real, synthetic, categorical)``, see :func:`validate_tables`.
    """
    (real, synthetic), categorical = validate_tables(
        [real, synthetic], ["real", "synthetic"], categorical_features
    )
    rng = check_random_state(random_state)
    return subsample(real, max_rows, rng), subsample(synthetic, max_rows, rng), categorical


def row_hashes(columns):
    frame = pd.DataFrame(
        {
            j: (col + 0.0 if col.dtype.kind == "f" else col)  # -0.0 -> 0.0
            for j, col in enumerate(columns)
        }
    )
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()
