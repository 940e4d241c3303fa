"""Input checks shared by the samplers, the encoder and the metrics.

One home for what every entry point does with a table: turn it into a pandas
DataFrame (polars and other dataframe-interchange tables are converted once, at
the door), bring each column to a dtype the package models (Arrow-backed
columns to their pandas equivalents, sparse columns dense, NaN in nullable
float columns to missing), refuse what cannot be modelled (duplicated column
names, date, time, duration, period, interval, binary, decimal, nested and
complex columns, infinite values), align a table on the columns seen before,
and decide which columns are categorical.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

#: ``pandas.api.types.infer_dtype`` results of object columns that hold numbers
_NUMBER_KINDS = frozenset({"integer", "floating", "mixed-integer-float"})


def is_polars_frame(X):
    """Whether ``X`` is a polars DataFrame (without importing polars)."""
    polars = sys.modules.get("polars")
    return polars is not None and isinstance(X, polars.DataFrame)


def to_pandas(X):
    """``X`` as a pandas DataFrame if it is a table of another library, else ``X``.

    A polars DataFrame becomes a pandas DataFrame with Arrow-backed columns
    (``ArrowDtype``: integers with nulls stay integers, categoricals become
    Arrow dictionaries), so nothing is lost on the way in and
    :func:`from_pandas` can give the same polars schema back. Other tables
    that export an Arrow stream (``__arrow_c_stream__``: pyarrow tables, ...)
    become Arrow-backed pandas DataFrames the same way; those with only the
    dataframe interchange protocol (``__dataframe__``) go through
    :func:`pandas.api.interchange.from_dataframe`. pandas objects, arrays and
    lists are returned unchanged.
    """
    if isinstance(X, (pd.DataFrame, pd.Series, np.ndarray)):
        return X
    if is_polars_frame(X):
        return X.to_pandas(use_pyarrow_extension_array=True)
    if hasattr(X, "__arrow_c_stream__"):  # pyarrow tables and other Arrow producers
        import pyarrow as pa

        return pa.table(X).to_pandas(types_mapper=pd.ArrowDtype)
    if hasattr(X, "__dataframe__"):
        return pd.api.interchange.from_dataframe(X)
    return X


def from_pandas(frame, schema):
    """A DataFrame made by :func:`to_pandas` from a polars frame, back as polars.

    ``schema`` is the polars frame's schema; every column is cast back to it.
    """
    import polars as pl

    return pl.from_pandas(frame).cast(dict(schema))


def is_polars_series(y):
    """Whether ``y`` is a polars Series (without importing polars)."""
    polars = sys.modules.get("polars")
    return polars is not None and isinstance(y, polars.Series)


def polars_series_like(values, y):
    """``values`` as a polars Series with the name and dtype of the polars Series ``y``."""
    import polars as pl

    return pl.Series(y.name, values).cast(y.dtype)


def is_unsupported_dtype(dtype):
    """Whether a NumPy or pandas dtype can be neither a number nor a category."""
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


def integer_dtype(series):
    """The NumPy integer dtype holding an integer column exactly, else ``None``.

    NumPy and nullable integer columns give their own; an object column of
    Python integers (a column of an object array) gives int64 or uint64.
    """
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return None
    if pd.api.types.is_integer_dtype(dtype):
        return np.dtype(getattr(dtype, "numpy_dtype", dtype))
    if (
        pd.api.types.is_object_dtype(dtype)
        and pd.api.types.infer_dtype(series, skipna=True) == "integer"
    ):
        values = series.dropna()
        for candidate in (np.int64, np.uint64):
            try:
                values.to_numpy(dtype=candidate)
            except (OverflowError, ValueError, TypeError):
                continue
            return np.dtype(candidate)
    return None


def _float_values(series):
    """The column as floats (NaN for missing) if it holds numbers, else ``None``."""
    if pd.api.types.is_bool_dtype(series.dtype) or not holds_numbers(series):
        return None
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def _refuse(column, name, dtype, hint):
    return TypeError(
        f"Column {column!r} of {name} has dtype {dtype}, which is not supported. {hint}"
    )


def _from_arrow(series, column, name):
    """An Arrow-backed column in the pandas dtype that models it, or a ``TypeError``.

    Dictionaries (what parquet categories read as) become pandas categories,
    booleans ``boolean``, integers and floats the nullable ``Int*`` / ``UInt*``
    / ``Float*`` dtypes, strings object columns. Dates, times, timestamps,
    durations, intervals, binary, decimal and nested columns are refused.
    """
    import pyarrow as pa

    kind, types = series.dtype.pyarrow_dtype, pa.types
    chunks = series.array.__arrow_array__()
    # pyarrow's own conversions (``__from_arrow__``): exact, where ``astype`` from
    # an Arrow integer column with nulls can go through float64
    if types.is_dictionary(kind):
        values = chunks.to_pandas().array
    elif types.is_boolean(kind):
        values = pd.BooleanDtype().__from_arrow__(chunks)
    elif types.is_integer(kind):
        signed = "UInt" if types.is_unsigned_integer(kind) else "Int"
        values = pd.api.types.pandas_dtype(f"{signed}{kind.bit_width}").__from_arrow__(chunks)
    elif types.is_floating(kind):
        single = kind.bit_width == 32
        values = (pd.Float32Dtype() if single else pd.Float64Dtype()).__from_arrow__(
            chunks.cast(pa.float32() if single else pa.float64())
        )
    elif (
        types.is_string(kind)
        or types.is_large_string(kind)
        or getattr(types, "is_string_view", lambda _: False)(kind)
        or types.is_null(kind)
    ):
        values = series.to_numpy(dtype=object, na_value=None)
    else:
        raise _refuse(column, name, series.dtype, _arrow_hint(kind))
    return pd.Series(values, index=series.index, name=series.name)


def _arrow_hint(kind):
    """What to do with an Arrow column the package cannot model."""
    import pyarrow as pa

    if pa.types.is_temporal(kind) or pa.types.is_interval(kind):
        return "Convert it to numbers (for example seconds or days) or to categories first."
    if pa.types.is_decimal(kind):
        return "Cast it to float64 first."
    if (
        pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or pa.types.is_fixed_size_binary(kind)
        or getattr(pa.types, "is_binary_view", lambda _: False)(kind)
    ):
        return "Decode it to strings (a categorical column) first."
    return "Flatten it into columns of numbers or categories first."


def _modelled(series, column, name):
    """The column in the dtype the package models it with (the same object if unchanged)."""
    dtype = series.dtype
    if isinstance(dtype, pd.ArrowDtype):
        series = _from_arrow(series, column, name)
    elif isinstance(dtype, pd.SparseDtype):
        series = series.sparse.to_dense()
    if pd.api.types.is_float_dtype(series.dtype) and isinstance(
        series.dtype, pd.api.extensions.ExtensionDtype
    ):
        # a NaN in a nullable float column (0 / 0, or a NaN read from parquet)
        # is not <NA> to pandas; it is a missing value here
        nan = np.isnan(series.to_numpy(dtype=np.float64, na_value=0.0))
        if nan.any():
            series = series.mask(nan)
    return series


def as_frame(X, name="X"):
    """Return ``X`` as a pandas DataFrame, checked column by column.

    Polars and other dataframe-interchange tables are converted with
    :func:`to_pandas`. Arrays get positional column labels (string arrays
    become object columns). Each column comes in the dtype that models it:
    Arrow-backed columns as their pandas equivalents (dictionary as category,
    ``bool`` as ``boolean``, integers and floats as nullable ``Int*`` /
    ``Float*``, strings as object), sparse columns dense, and NaN in a
    nullable float column as ``<NA>``. Duplicated column names and infinite
    values raise a ``ValueError``; sparse matrices, datetime, timedelta,
    period, interval and complex columns, and Arrow date, time, timestamp,
    duration, interval, binary, decimal and nested columns a ``TypeError``
    (naming the column).
    ``name`` names the table in the messages.
    """
    X = to_pandas(X)
    if hasattr(X, "toarray") or hasattr(X, "tocsr"):
        raise TypeError(
            f"{name} is a sparse matrix, which is not supported: pass a dense array or a DataFrame."
        )
    if isinstance(X, pd.DataFrame):
        frame = X
        duplicated = frame.columns[frame.columns.duplicated()].unique().tolist()
        if duplicated:
            raise ValueError(
                f"{name} has duplicated column names: {duplicated}. Column names must be unique."
            )
        changed = {}
        for j, column in enumerate(frame.columns):
            series = frame.iloc[:, j]
            modelled = _modelled(series, column, name)
            if modelled is not series:
                changed[j] = modelled
        if changed:
            frame = frame.copy(deep=False)
            for j, series in changed.items():
                frame.isetitem(j, series)
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
            raise _refuse(
                column,
                name,
                series.dtype,
                "Convert datetime, timedelta, period, interval and complex columns to numbers "
                "or categories first.",
            )
        values = _float_values(series)
        if values is not None and np.isinf(values).any():
            raise ValueError(f"Input {name} contains infinity in column {column!r}.")
    return frame


def align_columns(frame, columns, name, reference):
    """``frame`` with the columns ``columns``, in their order, found by label.

    Raises a ``ValueError`` naming the labels missing from ``frame`` and those
    not in ``columns``; ``name`` and ``reference`` name the two tables.
    """
    present = list(frame.columns)
    missing = [c for c in columns if c not in present]
    extra = [c for c in present if c not in list(columns)]
    if missing or extra:
        raise ValueError(
            f"{name} and {reference} have different columns: missing from {name}: {missing}, "
            f"not in {reference}: {extra}. Columns are matched by name; their order may differ."
        )
    if present == list(columns):
        return frame
    return frame[list(columns)]


def _selected(categorical_features, columns, n_features, name):
    """Mask of the columns named by ``categorical_features`` (``None`` if it names none)."""
    if categorical_features is None or (
        isinstance(categorical_features, str) and categorical_features == "auto"
    ):
        return None
    items = list(categorical_features)
    if any(isinstance(s, tuple) for s in items):  # MultiIndex labels, kept whole
        selected = np.empty(len(items), dtype=object)
        selected[:] = items
    else:
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


def _one_hot_labels(rows, classes, name):
    """The classes of the rows of a one-hot matrix, or a ``ValueError``."""
    rows = np.asarray(rows)
    one_hot = rows.shape[1] == len(classes) and (
        np.isin(rows, (0, 1)).all() and (rows.sum(axis=1) == 1).all()
    )
    if not one_hot:
        raise ValueError(
            f"{name} is not one class label per row, nor one-hot rows over the "
            f"{len(classes)} fitted classes (a single 1 per row): pass class labels."
        )
    return np.asarray(classes)[rows.argmax(axis=1)]


def class_label(y, classes):
    """The one class ``sample`` draws: ``y`` itself, or the class of a one-hot row.

    A sampler fitted on a one-hot ``y`` (as ``fit_resample`` accepts) takes a
    label of ``classes`` or a one-hot row over them; any other sequence raises
    a ``ValueError`` asking for one label.
    """
    if np.ndim(y) == 0:
        return y
    if np.ndim(y) != 1:
        raise ValueError(f"y must be one class label, got an array of shape {np.shape(y)}.")
    try:
        return _one_hot_labels(np.asarray(y)[None, :], classes, "y")[0]
    except ValueError:
        example = classes[0].item() if isinstance(classes[0], np.generic) else classes[0]
        raise ValueError(
            f"y must be one class label (a scalar such as {example!r}) or a one-hot row "
            f"over the {len(classes)} fitted classes; got {list(y)!r}."
        ) from None


def class_labels(y, classes, n_rows):
    """The class of each of ``n_rows`` rows: labels, one label for all, or one-hot rows.

    Returns an object array of ``n_rows`` labels (lengths are checked by the
    caller); a 2D ``y`` must be one-hot over ``classes`` (the form
    ``fit_resample`` accepts) and gives the class of each row.
    """
    if np.ndim(y) == 0:
        return np.full(n_rows, y, dtype=object)
    if np.ndim(y) == 2:
        return _one_hot_labels(y, classes, "y").astype(object)
    return np.asarray(y, dtype=object)
