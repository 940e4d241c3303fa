"""Input checks shared by the samplers, the encoder and the metrics.

One home for what every entry point does with a table: turn it into a
DataFrame, refuse what cannot be modelled (duplicated column names, datetime,
timedelta, period, interval and complex columns, infinite values) and decide
which columns are categorical.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: ``pandas.api.types.infer_dtype`` results of object columns that hold numbers
_NUMBER_KINDS = frozenset({"integer", "floating", "mixed-integer-float"})


def is_unsupported_dtype(dtype):
    """Whether a column of ``dtype`` can be neither a number nor a category."""
    return (
        pd.api.types.is_datetime64_any_dtype(dtype)
        or pd.api.types.is_timedelta64_dtype(dtype)
        or pd.api.types.is_complex_dtype(dtype)
        or isinstance(dtype, (pd.PeriodDtype, pd.IntervalDtype))
    )


def is_categorical_dtype(dtype):
    """pandas category, object and string dtypes (boolean ones excepted)."""
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
    ) and not pd.api.types.is_bool_dtype(dtype)


def holds_numbers(series):
    """Whether a column's values can be read as numbers.

    True for numeric and boolean dtypes and for object columns whose non-missing
    values are all integers or floats; False for pandas category and string
    columns, whatever their values, and for object columns holding anything
    else (strings, booleans, mixed values) or only missing values.
    """
    dtype = series.dtype
    if pd.api.types.is_object_dtype(dtype):
        return pd.api.types.infer_dtype(series, skipna=True) in _NUMBER_KINDS
    return not is_categorical_dtype(dtype) and (
        pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
    )


def _float_values(series):
    """The column as floats (NaN for missing) if it holds numbers, else ``None``."""
    if pd.api.types.is_bool_dtype(series.dtype) or not holds_numbers(series):
        return None
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def as_frame(X, name="X"):
    """Return ``X`` as a DataFrame, checked column by column.

    Arrays get positional column labels (string arrays become object columns);
    sparse pandas columns are densified. Duplicated column names and infinite
    values raise a ``ValueError``; datetime, timedelta, period, interval and
    complex columns a ``TypeError``. ``name`` names the table in the messages.
    """
    if isinstance(X, pd.DataFrame):
        frame = X
        duplicated = frame.columns[frame.columns.duplicated()].unique().tolist()
        if duplicated:
            raise ValueError(
                f"{name} has duplicated column names: {duplicated}. Column names must be unique."
            )
        sparse = [c for c in frame.columns if isinstance(frame[c].dtype, pd.SparseDtype)]
        if sparse:
            frame = frame.copy()
            for c in sparse:
                frame[c] = frame[c].sparse.to_dense()
    else:
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(
                f"Expected {name} to be a 2D table, got an array with {X.ndim} dimension(s)."
            )
        if X.dtype.kind in "US":
            X = X.astype(object)
        frame = pd.DataFrame(X, copy=False)
    for column in frame.columns:
        series = frame[column]
        if is_unsupported_dtype(series.dtype):
            raise TypeError(
                f"Column {column!r} of {name} has dtype {series.dtype}, which is not supported. "
                "Convert datetime, timedelta, period, interval and complex columns to numbers "
                "or categories first."
            )
        values = _float_values(series)
        if values is not None and np.isinf(values).any():
            raise ValueError(f"Input {name} contains infinity in column {column!r}.")
    return frame


def _selected(categorical_features, columns, n_features, name):
    """Mask of the columns named by ``categorical_features`` (``None`` if it names none)."""
    if categorical_features is None or (
        isinstance(categorical_features, str) and categorical_features == "auto"
    ):
        return None
    selected = np.asarray(categorical_features)
    if selected.size == 0:
        return None
    mask = np.zeros(n_features, dtype=bool)
    if selected.dtype.kind == "b":
        if selected.shape != (n_features,):
            raise ValueError(
                f"categorical_features is a boolean mask of length {selected.size}; "
                f"{name} has {n_features} features."
            )
        return selected.astype(bool)
    if selected.dtype.kind in "iu":
        if selected.min() < -n_features or selected.max() >= n_features:
            raise ValueError(
                f"categorical_features holds indices {selected.tolist()} outside the "
                f"{n_features} features of {name}."
            )
        mask[selected] = True
        return mask
    labels = [str(c) for c in columns]
    unknown = [str(s) for s in selected if str(s) not in labels]
    if unknown:
        raise ValueError(f"categorical_features names unknown columns: {unknown}.")
    for s in selected:
        mask[labels.index(str(s))] = True
    return mask


def resolve_categorical(frames, categorical_features, *, booleans=False, name="X"):
    """Boolean mask of the columns to treat as categorical.

    ``"auto"``, ``None`` or an empty selection: pandas category, object and
    string columns (so every column of a NumPy object array), plus boolean
    columns when ``booleans`` is true. Names, indices or a boolean mask follow
    :class:`~imblearn.over_sampling.SMOTENC`: the named columns are
    categorical and the others numeric, except columns whose values cannot be
    numbers (strings, pandas category or string dtype), which stay categorical.

    Parameters
    ----------
    frames : DataFrame or list of DataFrame
        One table, or aligned tables with the same columns: a column is
        categorical when it is in any of them.
    categorical_features : "auto", array-like of str, int or bool, or None
        The user's selection.
    booleans : bool, default=False
        Whether ``"auto"`` also selects boolean columns.
    name : str, default="X"
        How messages name the table.
    """
    frames = [frames] if isinstance(frames, pd.DataFrame) else list(frames)
    columns = frames[0].columns

    def in_any(test):
        return np.array([any(test(f[c]) for f in frames) for c in columns], dtype=bool)

    selected = _selected(categorical_features, columns, len(columns), name)
    if selected is None:
        return in_any(
            lambda s: (
                is_categorical_dtype(s.dtype) or (booleans and pd.api.types.is_bool_dtype(s.dtype))
            )
        )
    return selected | in_any(lambda s: not holds_numbers(s))
