"""Property-based tests: any table either gives a clear error or a correct resampled table.

Tables are generated with hypothesis: numeric, integer, unsigned, boolean,
category, object-string and nullable (Int64, Float64, boolean, string) columns,
missing values, one to five classes, classes of one or two rows. For every
sampler with a tiny step budget, ``fit_resample`` either raises a ``ValueError``
or ``TypeError`` with a message, or returns the original rows unchanged and in
order followed by exactly the requested number of new rows per class, with the
same dtypes and categories, integers inside their column's range, levels seen
in fit only and no missing values where the column had none.

``HYPOTHESIS_PROFILE=dev`` (see conftest.py) runs many more examples than CI.
"""

import numpy as np
import pandas as pd
import pytest
from _helpers import SAMPLERS, tiny
from hypothesis import given
from hypothesis import strategies as st

KINDS = (
    "float",
    "float_nan",
    "int",
    "int_wide",
    "uint8",
    "bool",
    "category",
    "category_nan",
    "object",
    "Int64",
    "Float64",
    "boolean",
    "string",
)


def _column(draw, kind, n):
    """One column of ``kind`` with ``n`` rows."""
    ints = st.lists(st.integers(-5, 5), min_size=n, max_size=n)
    if kind in ("float", "float_nan"):
        values = np.asarray(
            draw(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=n, max_size=n))
        )
        if kind == "float_nan":
            values = np.where(
                np.asarray(draw(st.lists(st.booleans(), min_size=n, max_size=n))), np.nan, values
            )
        return pd.Series(values, dtype=np.float64)
    if kind == "int":
        return pd.Series(draw(ints), dtype=np.int64)
    if kind == "int_wide":
        big = st.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max)
        return pd.Series(draw(st.lists(big, min_size=n, max_size=n)), dtype=np.int64)
    if kind == "uint8":
        return pd.Series(
            draw(st.lists(st.integers(0, 255), min_size=n, max_size=n)), dtype=np.uint8
        )
    if kind == "bool":
        return pd.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    levels = ["a", "b", "c", "d"]
    maybe = st.one_of(st.none(), st.sampled_from(levels))
    if kind in ("category", "category_nan"):
        values = draw(
            st.lists(
                maybe if kind == "category_nan" else st.sampled_from(levels), min_size=n, max_size=n
            )
        )
        return pd.Series(pd.Categorical(values, categories=levels))
    if kind == "object":
        return pd.Series(
            draw(st.lists(st.sampled_from(levels), min_size=n, max_size=n)), dtype=object
        )
    if kind == "string":
        return pd.Series(draw(st.lists(maybe, min_size=n, max_size=n)), dtype="string")
    if kind == "Int64":
        return pd.Series(
            draw(st.lists(st.one_of(st.none(), st.integers(-5, 5)), min_size=n, max_size=n)),
            dtype="Int64",
        )
    if kind == "Float64":
        return pd.Series(
            draw(st.lists(st.one_of(st.none(), st.floats(-10, 10)), min_size=n, max_size=n)),
            dtype="Float64",
        )
    return pd.Series(
        draw(st.lists(st.one_of(st.none(), st.booleans()), min_size=n, max_size=n)), dtype="boolean"
    )


@st.composite
def tables(draw):
    """A mixed-type table and labels: 1 to 5 classes, some of one or two rows."""
    n_classes = draw(st.sampled_from([1, 2, 2, 2, 3, 3, 4, 5]))
    sizes = [draw(st.sampled_from([1, 2, 3, 5, 8, 20, 40])) for _ in range(n_classes)]
    y = np.repeat(np.arange(n_classes), sizes)
    y = y[draw(st.permutations(range(len(y))))] if len(y) > 1 else y
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=5))
    frame = pd.DataFrame(
        {f"{kind}_{j}": _column(draw, kind, len(y)) for j, kind in enumerate(kinds)}
    )
    return frame, np.asarray(y)


def check_resampled(X, y, X_res, y_res, sampler):
    """Everything a resampled table must satisfy."""
    n = len(X)
    # the original rows, unchanged and in order, then the new rows
    pd.testing.assert_frame_equal(X_res.iloc[:n], X.reset_index(drop=True), check_exact=True)
    np.testing.assert_array_equal(y_res[:n], y)
    pd.testing.assert_index_equal(X_res.index, pd.RangeIndex(len(X_res)))
    # exactly the requested counts
    before = pd.Series(y).value_counts()
    after = pd.Series(y_res).value_counts()
    for label in before.index:
        assert after[label] == before[label] + sampler.sampling_strategy_.get(label, 0)
    assert set(after.index) == set(before.index)
    # same dtypes and categories; values the column can hold
    new = X_res.iloc[n:]
    assert list(X_res.dtypes) == list(X.dtypes)
    for column in X.columns:
        real, made = X[column], new[column]
        if not real.isna().any():
            assert not made.isna().any(), column
        present = made.dropna()
        if (
            isinstance(real.dtype, pd.CategoricalDtype)
            or real.dtype == object
            or real.dtype == "string"
        ):
            assert set(present) <= set(real.dropna()), column
        elif pd.api.types.is_integer_dtype(real.dtype) and len(present):
            low, high = int(real.min()), int(real.max())
            assert all(low <= int(v) <= high for v in present), column
        elif pd.api.types.is_float_dtype(real.dtype) and len(present):
            assert present.min() >= real.min() and present.max() <= real.max(), column


@pytest.mark.parametrize("cls", SAMPLERS, ids=lambda cls: cls.__name__)
@given(data=tables(), strategy=st.sampled_from(["auto", "all", "not majority"]))
def test_any_table_gives_a_clear_error_or_a_correct_resample(cls, data, strategy):
    X, y = data
    sampler = tiny(cls, max_steps=2, batch_size=16, sampling_strategy=strategy)
    try:
        X_res, y_res = sampler.fit_resample(X, y)
    except (ValueError, TypeError) as exc:
        assert str(exc).strip(), "an error without a message"
        return
    check_resampled(X, y, X_res, y_res, sampler)
