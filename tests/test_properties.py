"""Property-based tests: any table either gives a clear error or a correct resampled table.

Tables are generated with hypothesis: numeric, integer, unsigned, boolean,
category, object-string, nullable (Int64, Float64, boolean, string) and
Arrow-backed (double with NaN and nulls, int64, bool, string, dictionary)
columns, missing values, one to five classes, classes of one or two rows. For
every sampler with a tiny step budget, ``fit_resample`` either raises a
``ValueError`` or ``TypeError`` with a message, or returns the original rows
unchanged and in order followed by exactly the requested number of new rows per
class, with the same dtypes and categories, integers inside their column's
range, levels seen in fit only and no missing values where the column had none.

The encoder reads a table whose columns come in any order as the table itself
and gives the table back (NaN in an Arrow float column as a missing value). The
metrics score a table against the same values in other dtypes (int, Int64,
int64[pyarrow], float, category of the values; bool, boolean, bool[pyarrow],
object; object, category, string, string[pyarrow], dictionary) exactly as
against itself.

``HYPOTHESIS_PROFILE=dev`` (see conftest.py) runs many more examples than CI.
"""

import numpy as np
import pandas as pd
import pytest
from _helpers import SAMPLERS, tiny
from hypothesis import given
from hypothesis import strategies as st

from dgm_resample import TabularEncoder
from dgm_resample.metrics import (
    dependence_distance,
    detection_score,
    distance_to_closest_record,
    marginal_distance,
)

pa = pytest.importorskip("pyarrow")

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
    "arrow_double",
    "arrow_int",
    "arrow_bool",
    "arrow_string",
    "arrow_dictionary",
)


def _arrow(values, pa_type):
    return pd.Series(pd.arrays.ArrowExtensionArray(pa.array(values, type=pa_type)))


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
    if kind == "arrow_double":  # NaN (not missing to pandas) and nulls
        values = st.one_of(st.none(), st.just(float("nan")), st.floats(-10, 10, allow_nan=False))
        return _arrow(draw(st.lists(values, min_size=n, max_size=n)), pa.float64())
    if kind == "arrow_int":
        values = st.one_of(st.none(), st.integers(-5, 5), st.integers(2**60, 2**60 + 3))
        return _arrow(draw(st.lists(values, min_size=n, max_size=n)), pa.int64())
    if kind == "arrow_bool":
        values = st.one_of(st.none(), st.booleans())
        return _arrow(draw(st.lists(values, min_size=n, max_size=n)), pa.bool_())
    levels = ["a", "b", "c", "d"]
    maybe = st.one_of(st.none(), st.sampled_from(levels))
    if kind in ("arrow_string", "arrow_dictionary"):
        values = draw(st.lists(maybe, min_size=n, max_size=n))
        if kind == "arrow_string":
            return _arrow(values, pa.string())
        return _arrow(values, pa.dictionary(pa.int8(), pa.string()))
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


def _missing(series):
    """Missing values, and NaN that pandas does not count as missing (Arrow floats)."""
    values = series.isna().to_numpy()
    if pd.api.types.is_float_dtype(series.dtype):
        values = values | np.isnan(series.to_numpy(dtype=np.float64, na_value=0.0))
    return values


def _is_levels(dtype):
    """Columns that take levels seen in fit only."""
    if isinstance(dtype, pd.ArrowDtype):
        return pa.types.is_dictionary(dtype.pyarrow_dtype) or pa.types.is_string(
            dtype.pyarrow_dtype
        )
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(dtype)
        or dtype == "string"
    )


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
        if not _missing(real).any():
            assert not _missing(made).any(), column
        present, observed = made[~_missing(made)], real[~_missing(real)]
        if _is_levels(real.dtype):
            assert set(present) <= set(observed), column
        elif pd.api.types.is_integer_dtype(real.dtype) and len(present):
            low, high = int(observed.min()), int(observed.max())
            assert all(low <= int(v) <= high for v in present), column
        elif pd.api.types.is_float_dtype(real.dtype) and len(present):
            assert present.min() >= observed.min() and present.max() <= observed.max(), column


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


@given(data=tables(), order=st.randoms(use_true_random=False))
def test_encoder_reads_columns_by_name_and_gives_the_table_back(data, order):
    X, _ = data
    try:
        encoder = TabularEncoder(random_state=0).fit(X)
    except (ValueError, TypeError) as exc:  # a column holding only missing values
        assert str(exc).strip(), "an error without a message"
        return
    Z = encoder.transform(X)
    columns = list(X.columns)
    order.shuffle(columns)
    np.testing.assert_array_equal(encoder.transform(X[columns]), Z)
    back = encoder.inverse_transform(Z)
    assert list(back.columns) == list(X.columns) and list(back.dtypes) == list(X.dtypes)
    for column in X.columns:
        real, made = X[column], back[column]
        np.testing.assert_array_equal(_missing(made), _missing(real), err_msg=column)
        present, observed = made[~_missing(made)], real[~_missing(real)]
        kind = next(c.kind for c in encoder.columns_ if c.name == column)
        if kind == "numeric":
            # the quantile transform clips its normal scores at 1e-7 from 0 and 1:
            # the ends of a column come back within a small share of its range
            values = observed.to_numpy(float)
            spread = float(values.max() - values.min())
            np.testing.assert_allclose(
                present.to_numpy(float), values, rtol=1e-6, atol=1e-4 * spread + 1e-9
            )
        else:
            assert present.tolist() == observed.tolist(), column


#: one column's values in several dtypes: (name, maker, holds missing values)
VARIANTS = {
    "int": [
        ("int64", lambda v: pd.Series(v, dtype=np.int64), False),
        ("float64", lambda v: pd.Series(v, dtype=np.float64), True),
        ("Int64", lambda v: pd.Series(v, dtype="Int64"), True),
        ("int64[pyarrow]", lambda v: _arrow(v, pa.int64()), True),
        ("category", lambda v: pd.Series(pd.Categorical(v)), True),
    ],
    "bool": [
        ("bool", lambda v: pd.Series(v, dtype=bool), False),
        ("boolean", lambda v: pd.Series(v, dtype="boolean"), True),
        ("bool[pyarrow]", lambda v: _arrow(v, pa.bool_()), True),
        ("object", lambda v: pd.Series(v, dtype=object), True),
    ],
    "str": [
        ("object", lambda v: pd.Series(v, dtype=object), True),
        ("category", lambda v: pd.Series(pd.Categorical(v)), True),
        ("string", lambda v: pd.Series(v, dtype="string"), True),
        ("string[pyarrow]", lambda v: _arrow(v, pa.string()), True),
        ("dictionary", lambda v: _arrow(v, pa.dictionary(pa.int32(), pa.string())), True),
    ],
}
VALUES = {
    "int": st.one_of(st.integers(-3, 3), st.integers(2**60, 2**60 + 2)),
    "bool": st.booleans(),
    "str": st.sampled_from(["a", "b", "c"]),
}


@st.composite
def same_values_in_two_dtypes(draw):
    """A table, and the same values with each column in another dtype."""
    n = draw(st.integers(4, 30))
    first, second = {}, {}
    for j in range(draw(st.integers(1, 3))):
        family = draw(st.sampled_from(sorted(VARIANTS)))
        gaps = draw(st.booleans())
        values = draw(st.lists(VALUES[family], min_size=n, max_size=n))
        if gaps:
            values = [None if draw(st.booleans()) else v for v in values]
        if family == "int" and any(v is not None and abs(v) > 3 for v in values):
            # beyond 2**53 a float64 column cannot hold the same values
            variants = [v for v in VARIANTS[family] if v[0] != "float64"]
        else:
            variants = VARIANTS[family]
        variants = [v for v in variants if v[2] or not gaps]
        (_, make_a, _), (_, make_b, _) = draw(
            st.lists(st.sampled_from(variants), min_size=2, max_size=2)
        )
        first[f"c{j}"], second[f"c{j}"] = make_a(values), make_b(values)
    return pd.DataFrame(first), pd.DataFrame(second)


@given(tables=same_values_in_two_dtypes())
def test_metrics_score_the_same_values_in_other_dtypes_as_identical(tables):
    real, other = tables
    marginal = marginal_distance(real, other)
    assert marginal.mean == 0.0, marginal.per_column
    assert distance_to_closest_record(real, other, real).exact_copy_rate == 1.0
    if real.shape[1] > 1:
        assert dependence_distance(real, other).mean == pytest.approx(0.0, abs=1e-12)
    assert detection_score(real, other, cv=2, random_state=0) == detection_score(
        real, real.copy(), cv=2, random_state=0
    )
