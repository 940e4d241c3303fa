"""Exact round trip of column dtypes through the float encoding.

Integer columns travel as their distance from the smallest value seen in fit,
computed in integers, so that int64 / uint64 values beyond 2**53 come back
exactly; decoded columns are cast back to the dtype seen in fit.
"""

import numpy as np
import pandas as pd

from ._validation import integer_dtype


def numeric_input(column, series, missing):
    """Float values of a numeric column for the scaler (NaN where missing).

    An integer column enters as its exact distance from the smallest value
    seen in fit, computed in integers: near the ends of int64 / uint64 (or for
    ids beyond 2**53) the values themselves have no exact float, their
    distances from the minimum usually do.
    """
    exact = integer_dtype(series) if column.exact is not None else None
    if exact is None:
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return values - column.bounds[0] if column.exact is not None else values
    out = np.full(len(series), np.nan)
    low, high = column.bounds
    present = series[~missing].to_numpy(dtype=exact)
    wide = np.dtype(np.int64 if exact.kind == "i" else np.uint64)
    # clip new values to the fitted range (the scaler would), then subtract in
    # modular uint64 arithmetic, exact because 0 <= value - low < 2**64
    present = np.clip(
        present.astype(wide), max(low, np.iinfo(wide).min), min(high, np.iinfo(wide).max)
    )
    out[~missing] = (present.view(np.uint64) - np.uint64(low % 2**64)).astype(np.float64)
    return out


def add_offsets(offsets, low, signed):
    """``low + offsets`` for non-negative integer offsets, exactly, as int64 or uint64."""
    total = offsets.astype(np.uint64) + np.uint64(low % 2**64)
    return total.view(np.int64) if signed else total


def round_into(values, low, high):
    """Round floats to integers inside ``[low, high]``, exactly.

    ``low`` and ``high`` are Python ints; beyond 2**53 their float images are
    inexact (and ``float(2**63 - 1)`` is 2**63, which wraps around when cast),
    so the bounds are applied in the integer domain.
    """
    dtype = np.dtype(np.uint64 if high > np.iinfo(np.int64).max else np.int64)
    values = np.round(np.asarray(values, dtype=np.float64))
    top, bottom = values >= float(high), values <= float(low)
    inside = ~(top | bottom)
    out = np.empty(len(values), dtype=dtype)
    out[inside] = values[inside].astype(dtype)  # strictly inside the bounds' float images
    out[top], out[bottom] = high, low
    return np.clip(out, low, high)


def _to_arrow(series, dtype):
    """A decoded column (missing values as NaN or None) as an Arrow-backed column."""
    import pyarrow as pa

    kind = dtype.pyarrow_dtype
    values = series.astype(object).where(series.notna(), None).to_numpy()
    if pa.types.is_dictionary(kind):
        array = pa.array(values, type=kind.value_type).dictionary_encode().cast(kind)
    else:
        array = pa.array(values, type=kind)
    return pd.Series(pd.arrays.ArrowExtensionArray(array), index=series.index, name=series.name)


def cast_series(series, dtype):
    """Cast a decoded column back to the dtype seen in fit."""
    if isinstance(dtype, pd.ArrowDtype):
        return _to_arrow(series, dtype)
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.Series(
            pd.Categorical(series.where(series.notna(), None), dtype=dtype), index=series.index
        )
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        return series.astype(bool)
    if isinstance(dtype, pd.SparseDtype):
        return series.astype(np.float64).astype(dtype)
    if pd.api.types.is_numeric_dtype(dtype) or isinstance(dtype, pd.BooleanDtype):
        if isinstance(dtype, pd.api.extensions.ExtensionDtype):
            return series.astype(object).where(series.notna(), None).astype(dtype)
        return series.astype(np.float64 if series.dtype == object else series.dtype).astype(dtype)
    return series.astype(dtype)
