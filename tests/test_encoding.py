"""TabularEncoder: spans as data, exact inverse, dtypes, missing values, errors; input checks."""

import datetime
import decimal
import numbers

import numpy as np
import pandas as pd
import pytest
from _helpers import mixed_frame

from dgm_resample import Span, TabularEncoder, VAEOverSampler


def assert_same_table(a, b):
    assert list(a.columns) == list(b.columns)
    assert list(a.dtypes) == list(b.dtypes)
    for col in a.columns:
        left, right = a[col], b[col]
        assert left.isna().tolist() == right.isna().tolist(), col
        if pd.api.types.is_float_dtype(left.dtype):
            np.testing.assert_allclose(left.dropna(), right.dropna(), rtol=1e-5, atol=1e-5)
        else:
            assert left.dropna().tolist() == right.dropna().tolist(), col


def test_spans_tile_the_encoded_matrix():
    frame, _ = mixed_frame()
    encoder = TabularEncoder(random_state=0).fit(frame)
    spans = encoder.spans_
    assert spans[0].start == 0
    for left, right in zip(spans, spans[1:]):
        assert right.start == left.stop
    assert spans[-1].stop == encoder.n_encoded_ == encoder.transform(frame).shape[1]
    kinds = {c.name: c.kind for c in encoder.columns_}
    assert kinds == {
        "num": "numeric",
        "count": "numeric",
        "small": "numeric",
        "flag": "binary",
        "color": "categorical",
        "city": "categorical",
        "gappy": "numeric",
        "label_na": "categorical",
    }
    gappy = next(c for c in encoder.columns_ if c.name == "gappy")
    assert gappy.missing_span == Span(gappy.span.stop, 1, "binary")
    label_na = next(c for c in encoder.columns_ if c.name == "label_na")
    assert label_na.span.width == 4  # u, v, w and the missing level


def test_inverse_is_exact_on_training_rows():
    frame, _ = mixed_frame()
    encoder = TabularEncoder(random_state=0).fit(frame)
    Z = encoder.transform(frame)
    assert Z.dtype == np.float32 and np.isfinite(Z).all()
    assert_same_table(encoder.inverse_transform(Z), frame)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_numpy_arrays_keep_their_dtype(dtype):
    rng = np.random.default_rng(0)
    X = (rng.normal(size=(100, 3)) * 10).astype(dtype)
    encoder = TabularEncoder(random_state=0).fit(X)
    back = encoder.inverse_transform(encoder.transform(X))
    assert back.dtype == X.dtype
    np.testing.assert_allclose(back, X, rtol=1e-4, atol=1e-3)


def test_object_array_is_categorical():
    X = np.array([["a", "x"], ["b", "y"], ["a", "y"], ["c", "x"]], dtype=object)
    encoder = TabularEncoder().fit(X)
    assert [s.kind for s in encoder.spans_] == ["categorical", "categorical"]
    back = encoder.inverse_transform(encoder.transform(X))
    assert back.dtype == object
    np.testing.assert_array_equal(back, X)


def test_decoding_raw_outputs_gives_valid_values():
    frame, _ = mixed_frame()
    encoder = TabularEncoder(random_state=0).fit(frame)
    rng = np.random.default_rng(0)
    Z = rng.normal(scale=4, size=(500, encoder.n_encoded_))
    out = encoder.inverse_transform(Z)
    assert list(out.dtypes) == list(frame.dtypes)
    assert out["count"].between(frame["count"].min(), frame["count"].max()).all()
    assert out["num"].between(frame["num"].min(), frame["num"].max()).all()
    assert set(out["color"].dropna()) <= set(frame["color"].cat.categories)
    assert set(out["city"]) <= {"paris", "oslo"}
    assert out["flag"].dtype == bool
    assert out["gappy"].isna().any() and out["label_na"].isna().any()


def test_two_valued_numeric_column_is_binary_and_decodes_to_its_values():
    X = np.array([[0.5, 1.0], [2.5, 3.0], [0.5, 2.0], [2.5, 4.0]])
    encoder = TabularEncoder().fit(X)
    assert encoder.spans_[0].kind == "binary"
    out = encoder.inverse_transform(np.array([[0.9, 0.0], [0.1, 0.0]]))
    np.testing.assert_array_equal(out[:, 0], [2.5, 0.5])


def test_nullable_and_boolean_extension_dtypes():
    frame = pd.DataFrame(
        {
            "i": pd.array([1, None, 3, 4, 2], dtype="Int64"),
            "b": pd.array([True, None, False, True, False], dtype="boolean"),
        }
    )
    encoder = TabularEncoder().fit(frame)
    assert_same_table(encoder.inverse_transform(encoder.transform(frame)), frame)


@pytest.mark.parametrize(
    "selection", [["count", "city"], [1, 5], [False, True, False, False, False, True]]
)
def test_categorical_features_by_name_index_or_mask(selection):
    frame, _ = mixed_frame(with_nan=False)
    encoder = TabularEncoder(categorical_features=selection).fit(frame)
    mask = encoder.categorical_mask_
    assert mask[1] and mask[5] and mask[4]  # 'color' stays categorical by its dtype
    assert not mask[0]
    back = encoder.inverse_transform(encoder.transform(frame))
    assert back["count"].tolist() == frame["count"].tolist()


def test_errors_name_the_problem():
    frame = pd.DataFrame({"when": pd.date_range("2020", periods=4), "x": range(4)})
    with pytest.raises(TypeError, match="'when'.*not supported"):
        TabularEncoder().fit(frame)
    with pytest.raises(ValueError, match="infinity in column 'x'"):
        TabularEncoder().fit(pd.DataFrame({"x": [1.0, np.inf, 2.0, 3.0]}))
    with pytest.raises(ValueError, match="only missing values"):
        TabularEncoder().fit(pd.DataFrame({"x": [np.nan] * 3, "y": [1.0, 2.0, 3.0]}))
    with pytest.raises(ValueError, match="unknown columns"):
        TabularEncoder(categorical_features=["nope"]).fit(pd.DataFrame({"x": [1.0, 2.0]}))
    encoder = TabularEncoder().fit(pd.DataFrame({"c": ["a", "b", "a"]}))
    with pytest.raises(ValueError, match="not seen in fit"):
        encoder.transform(pd.DataFrame({"c": ["z"]}))
    with pytest.raises(ValueError, match="2 features.*fitted with 3"):
        TabularEncoder().fit(np.ones((3, 3))).transform(np.ones((3, 2)))


# ------------------------------------------------- input handling (shared checks)


def test_duplicated_column_names_raise_in_encoder_and_samplers():
    frame = pd.DataFrame(np.arange(40.0).reshape(20, 2), columns=["a", "a"])
    with pytest.raises(ValueError, match=r"duplicated column names: \['a'\]"):
        TabularEncoder().fit(frame)
    y = np.r_[np.zeros(15, dtype=int), np.ones(5, dtype=int)]
    with pytest.raises(ValueError, match=r"X has duplicated column names: \['a'\]"):
        VAEOverSampler(max_steps=2, random_state=0).fit_resample(frame, y)


@pytest.mark.parametrize(
    "column",
    [
        pd.period_range("2020-01", periods=4, freq="M"),
        pd.interval_range(0, 4),
        pd.to_timedelta(np.arange(4), unit="D"),
        np.arange(4) + 1j,
    ],
    ids=["period", "interval", "timedelta", "complex"],
)
def test_unsupported_dtypes_raise_type_error(column):
    frame = pd.DataFrame({"odd": column, "x": np.arange(4.0)})
    with pytest.raises(TypeError, match="'odd' of X has dtype"):
        TabularEncoder().fit(frame)


def object_array(n=40, seed=0):
    """Object array: numbers (with a gap) in column 0, strings in column 1."""
    rng = np.random.default_rng(seed)
    X = np.empty((n, 2), dtype=object)
    X[:, 0] = list(np.round(rng.normal(size=n) * 10, 2))
    X[3, 0] = None
    X[:, 1] = list(rng.choice(["a", "b", "c"], n))
    return X


@pytest.mark.parametrize("selection", [[1], [False, True]])
def test_object_array_named_categorical_features_leave_numbers_numeric(selection):
    X = object_array()
    encoder = TabularEncoder(categorical_features=selection).fit(X)
    np.testing.assert_array_equal(encoder.categorical_mask_, [False, True])
    assert [c.kind for c in encoder.columns_] == ["numeric", "categorical"]
    back = encoder.inverse_transform(encoder.transform(X))
    assert back.dtype == object
    assert back[3, 0] is None or np.isnan(back[3, 0])
    rows = np.r_[0:3, 4 : len(X)]
    np.testing.assert_allclose(back[rows, 0].astype(float), X[rows, 0].astype(float), rtol=1e-5)
    np.testing.assert_array_equal(back[:, 1], X[:, 1])
    # "auto" keeps every column of an object array categorical
    assert TabularEncoder().fit(X).categorical_mask_.all()


def test_object_columns_that_cannot_be_numbers_stay_categorical():
    X = object_array()
    flags = np.empty((len(X), 1), dtype=object)
    flags[:, 0] = [bool(i % 2) for i in range(len(X))]
    mask = TabularEncoder(categorical_features=[0]).fit(np.hstack([X, flags])).categorical_mask_
    np.testing.assert_array_equal(mask, [True, True, True])  # strings, booleans
    frame = pd.DataFrame({"n": [1.0, 2.0, 3.0], "c": pd.Categorical([1, 2, 1])})
    assert TabularEncoder(categorical_features=["n"]).fit(frame).categorical_mask_.all()


def test_infinity_in_an_object_column_of_numbers_raises():
    X = object_array()
    X[5, 0] = np.inf
    with pytest.raises(ValueError, match="infinity in column 0"):
        TabularEncoder(categorical_features=[1]).fit(X)


def test_sampler_keeps_numbers_in_an_object_array():
    X = object_array(n=60)
    X[3, 0] = 1.5  # no gap: a sampler's output then has no missing values either
    y = np.r_[np.zeros(45, dtype=int), np.ones(15, dtype=int)]
    sampler = VAEOverSampler(max_steps=20, categorical_features=[1], random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    np.testing.assert_array_equal(sampler.encoder_.categorical_mask_, [False, True])
    assert X_res.dtype == object and len(X_res) == 90
    new = X_res[len(X) :]
    assert all(isinstance(v, numbers.Real) and not isinstance(v, str) for v in new[:, 0])
    values = new[:, 0].astype(float)
    assert values.min() >= min(X[:, 0]) and values.max() <= max(X[:, 0])
    assert set(new[:, 1]) <= {"a", "b", "c"}


# ------------------------------------ Arrow-backed and nullable columns (issue 32)


def arrow_column(values, pa_type):
    """An Arrow-backed Series built by pyarrow itself (NaN stays NaN, None is null)."""
    pa = pytest.importorskip("pyarrow")
    return pd.Series(pd.arrays.ArrowExtensionArray(pa.array(values, type=pa_type)))


def parquet_frame(frame, tmp_path):
    """``frame`` written to parquet and read back Arrow-backed, as a user would read it."""
    pytest.importorskip("pyarrow")
    frame.to_parquet(tmp_path / "table.parquet")
    return pd.read_parquet(tmp_path / "table.parquet", dtype_backend="pyarrow")


def nan_not_na(n=40):
    """Float columns whose NaN pandas does not count as missing: Arrow and nullable."""
    pa = pytest.importorskip("pyarrow")
    values = [float("nan") if i % 4 == 0 else float(i % 7) for i in range(n)]
    columns = {"arrow": arrow_column(values, pa.float64())}
    try:
        with pd.option_context("future.distinguish_nan_and_na", True):
            nullable = pd.Series(values, dtype="Float64")
            columns["nullable"] = nullable / pd.Series(np.ones(n), dtype="Float64")
    except KeyError:  # pandas without the option: Float64 has no NaN apart from <NA>
        pass
    return columns, np.array([i % 4 == 0 for i in range(n)])


def test_nan_that_pandas_does_not_count_as_missing_is_modelled_as_missing():
    columns, nan = nan_not_na()
    for name, column in columns.items():
        assert not column.isna().any(), name
        frame = pd.DataFrame({"v": column, "x": np.arange(len(column), dtype=float)})
        encoder = TabularEncoder().fit(frame)
        assert np.isfinite(encoder.columns_[0].bounds).all(), name
        assert encoder.columns_[0].missing_span is not None, name
        back = encoder.inverse_transform(encoder.transform(frame))
        assert back["v"].dtype == column.dtype, name
        np.testing.assert_array_equal(back["v"].isna(), nan)  # NaN comes back as <NA>
        np.testing.assert_allclose(
            back["v"][~nan].to_numpy(float), column[~nan].to_numpy(float), atol=1e-6
        )
        # decoded model output has values, not <NA> everywhere
        Z = np.random.default_rng(0).normal(size=(50, encoder.n_encoded_))
        assert encoder.inverse_transform(Z)["v"].notna().any(), name


def test_nulls_in_an_arrow_boolean_column_come_back_as_nulls():
    pa = pytest.importorskip("pyarrow")
    flags = [False] * 30 + [None] * 15 + [True] * 15
    frame = pd.DataFrame({"b": arrow_column(flags, pa.bool_())})
    encoder = TabularEncoder().fit(frame)
    back = encoder.inverse_transform(encoder.transform(frame))
    assert back["b"].dtype == frame["b"].dtype
    assert back["b"].isna().sum() == 15
    assert back["b"].value_counts().to_dict() == {False: 30, True: 15}
    pd.testing.assert_series_equal(back["b"], frame["b"])


def arrow_table(n=60, seed=0):
    """One column of every Arrow-backed family the samplers model (with nulls)."""
    pa = pytest.importorskip("pyarrow")
    rng = np.random.default_rng(seed)
    gap = rng.random(n) < 0.2
    words = rng.choice(["red", "green", "blue"], n)
    return pd.DataFrame(
        {
            "double": arrow_column(np.where(gap, None, rng.normal(size=n)).tolist(), pa.float64()),
            "float": arrow_column(rng.normal(size=n).astype(np.float32), pa.float32()),
            "int": arrow_column(np.where(gap, None, rng.integers(-5, 9, n)).tolist(), pa.int64()),
            "uint8": arrow_column(rng.integers(0, 200, n), pa.uint8()),
            "ids": arrow_column(2**60 + rng.integers(0, 1000, n), pa.int64()),
            "bool": arrow_column(np.where(gap, None, rng.random(n) < 0.5).tolist(), pa.bool_()),
            "string": arrow_column(np.where(gap, None, words).tolist(), pa.string()),
            "large_string": arrow_column(words.tolist(), pa.large_string()),
            "dictionary": arrow_column(words.tolist(), pa.dictionary(pa.int8(), pa.string())),
            "int_dictionary": arrow_column(
                rng.integers(1, 4, n).tolist(), pa.dictionary(pa.int32(), pa.int64())
            ),
        }
    )


def test_arrow_columns_round_trip_with_their_dtypes():
    frame = arrow_table()
    encoder = TabularEncoder(random_state=0).fit(frame)
    kinds = {c.name: c.kind for c in encoder.columns_}
    assert kinds["dictionary"] == kinds["int_dictionary"] == kinds["string"] == "categorical"
    assert kinds["bool"] == "binary" and kinds["int"] == "numeric"
    back = encoder.inverse_transform(encoder.transform(frame))
    assert list(back.dtypes) == list(frame.dtypes)
    for column in frame.columns:
        left, right = back[column], frame[column]
        assert left.isna().tolist() == right.isna().tolist(), column
        if column in ("double", "float"):
            np.testing.assert_allclose(left.dropna().to_numpy(float), right.dropna(), rtol=1e-5)
        else:
            assert left.dropna().tolist() == right.dropna().tolist(), column
    # decoded model output: levels seen in fit, integers inside their range, exactly
    out = encoder.inverse_transform(np.random.default_rng(1).normal(size=(200, encoder.n_encoded_)))
    assert list(out.dtypes) == list(frame.dtypes)
    assert set(out["dictionary"].dropna()) <= {"red", "green", "blue"}
    assert set(out["int_dictionary"].dropna()) <= {1, 2, 3}
    low, high = int(frame["ids"].min()), int(frame["ids"].max())
    assert all(low <= int(v) <= high for v in out["ids"])


def test_parquet_categories_are_modelled_as_categories(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "color": pd.Categorical(rng.choice(["red", "green", "blue"], 50)),
            "x": rng.normal(size=50),
        }
    )
    read = parquet_frame(frame, tmp_path)
    assert isinstance(read["color"].dtype, pd.ArrowDtype)  # a pyarrow dictionary
    encoder = TabularEncoder().fit(read)
    assert encoder.columns_[0].kind == "categorical"
    back = encoder.inverse_transform(encoder.transform(read))
    assert back["color"].dtype == read["color"].dtype
    assert back["color"].tolist() == frame["color"].tolist()


#: Arrow types that cannot be modelled: a value, and a word of the advice in the error
REFUSED_ARROW = {
    "time64": (lambda pa: pa.time64("us"), datetime.time(1, 2), "seconds"),
    "time32": (lambda pa: pa.time32("s"), datetime.time(1, 2), "seconds"),
    "date32": (lambda pa: pa.date32(), datetime.date(2020, 1, 2), "seconds"),
    "date64": (lambda pa: pa.date64(), datetime.date(2020, 1, 2), "seconds"),
    "timestamp": (lambda pa: pa.timestamp("s"), datetime.datetime(2020, 1, 2), "seconds"),
    "duration": (lambda pa: pa.duration("s"), 3, "seconds"),
    "interval": (lambda pa: pa.month_day_nano_interval(), (1, 2, 3), "seconds"),
    "binary": (lambda pa: pa.binary(), b"ab", "strings"),
    "large_binary": (lambda pa: pa.large_binary(), b"ab", "strings"),
    "fixed_size_binary": (lambda pa: pa.binary(2), b"ab", "strings"),
    "decimal128": (lambda pa: pa.decimal128(5, 2), decimal.Decimal("1.5"), "float64"),
    "decimal256": (lambda pa: pa.decimal256(5, 2), decimal.Decimal("1.5"), "float64"),
    "list": (lambda pa: pa.list_(pa.int64()), [1, 2], "Flatten"),
    "struct": (lambda pa: pa.struct([("a", pa.int64())]), {"a": 1}, "Flatten"),
    "map": (lambda pa: pa.map_(pa.string(), pa.int64()), [("a", 1)], "Flatten"),
}


@pytest.mark.parametrize("pa_type", REFUSED_ARROW)
def test_arrow_columns_that_cannot_be_modelled_raise_type_error(pa_type):
    pa = pytest.importorskip("pyarrow")
    make_type, value, hint = REFUSED_ARROW[pa_type]
    frame = pd.DataFrame({"odd": arrow_column([value] * 4, make_type(pa)), "x": np.arange(4.0)})
    with pytest.raises(TypeError, match=f"Column 'odd' of X has dtype .*not supported.*{hint}"):
        TabularEncoder().fit(frame)


@pytest.mark.parametrize(
    "pa_type", ["halffloat", "large_string", "string_view", "uint8", "int_dictionary"]
)
def test_other_arrow_columns_round_trip(pa_type):
    pa = pytest.importorskip("pyarrow")
    make_type, values, kind = {
        "halffloat": (pa.float16, np.arange(8, dtype=np.float16) / 4, "numeric"),
        "large_string": (pa.large_string, list("abcabcab"), "categorical"),
        "string_view": (pa.string_view, list("abcabcab"), "categorical"),
        "uint8": (pa.uint8, [0, 7, 255, 3, 0, 7, 255, 200], "numeric"),
        "int_dictionary": (
            lambda: pa.dictionary(pa.int8(), pa.int64()),
            [3, 1, 2, 3, 1, 2, 3, 1],
            "categorical",
        ),
    }[pa_type]
    frame = pd.DataFrame({"c": arrow_column(values, make_type()), "x": np.arange(8.0)})
    encoder = TabularEncoder().fit(frame)
    assert encoder.columns_[0].kind == kind
    back = encoder.inverse_transform(encoder.transform(frame))
    assert back["c"].dtype == frame["c"].dtype
    if pa_type == "halffloat":  # up to the quantile transform's rounding
        np.testing.assert_allclose(back["c"].to_numpy(float), values, atol=1e-3)
    else:
        assert back["c"].tolist() == frame["c"].tolist()


def test_a_column_of_arrow_nulls_and_sparse_matrices_are_refused():
    pa = pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"empty": arrow_column([None] * 4, pa.null()), "x": np.arange(4.0)})
    with pytest.raises(ValueError, match="'empty' holds only missing values"):
        TabularEncoder().fit(frame)
    sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="X is a sparse matrix.*dense array or a DataFrame"):
        TabularEncoder().fit(sparse.csr_matrix(np.eye(4)))


def test_transform_reads_a_frame_by_column_name():
    frame, _ = mixed_frame(with_nan=False)
    encoder = TabularEncoder(random_state=0).fit(frame)
    reordered = frame[list(reversed(frame.columns))]
    np.testing.assert_array_equal(encoder.transform(reordered), encoder.transform(frame))
    with pytest.raises(ValueError, match=r"missing from X: \['city'\], not in .*: \['town'\]"):
        encoder.transform(frame.rename(columns={"city": "town"}))
    with pytest.raises(ValueError, match=r"missing from X: \['city'\]"):
        encoder.transform(frame.drop(columns=["city"]))
    # arrays are read by position
    numbers = frame[["num", "count"]]
    encoder = TabularEncoder(random_state=0).fit(numbers)
    np.testing.assert_array_equal(encoder.transform(numbers.to_numpy()), encoder.transform(numbers))


def test_two_valued_column_encodes_new_values_to_the_nearer_value():
    frame = pd.DataFrame({"t": [0, 1] * 10, "f": [0.5, 2.5] * 10, "x": np.arange(20.0)})
    encoder = TabularEncoder().fit(frame)
    assert [c.kind for c in encoder.columns_[:2]] == ["binary", "binary"]
    new = pd.DataFrame({"t": [5, -3, 0, 1], "f": [9.0, -1.0, 1.0, 2.0], "x": [1.0] * 4})
    back = encoder.inverse_transform(encoder.transform(new))
    assert back["t"].tolist() == [1, 0, 0, 1]  # clipped to the pair, as numeric columns are
    assert back["f"].tolist() == [2.5, 0.5, 0.5, 2.5]  # the nearer of the two values


def test_categorical_features_can_name_multiindex_columns():
    frame = pd.DataFrame(
        {("g", "code"): [1, 2, 3, 1, 2, 3], ("g", "x"): np.arange(6.0), ("h", "c"): list("abcabc")}
    )
    encoder = TabularEncoder(categorical_features=[("g", "code")]).fit(frame)
    np.testing.assert_array_equal(encoder.categorical_mask_, [True, False, True])
    back = encoder.inverse_transform(encoder.transform(frame))
    assert back[("g", "code")].tolist() == [1, 2, 3, 1, 2, 3]
    with pytest.raises(ValueError, match="unknown columns"):
        TabularEncoder(categorical_features=[("g", "nope")]).fit(frame)


def test_sparse_columns_keep_their_dtype_when_decoded():
    values = np.r_[np.zeros(30), np.arange(1.0, 11.0)]
    frame = pd.DataFrame({"s": pd.arrays.SparseArray(values), "x": np.arange(40.0)})
    encoder = TabularEncoder().fit(frame)
    back = encoder.inverse_transform(encoder.transform(frame))
    assert list(back.dtypes) == list(frame.dtypes)
    np.testing.assert_allclose(back["s"].sparse.to_dense(), values, atol=1e-6)


def test_unhashable_cells_get_a_clear_type_error():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [{"k": 1}, {"k": 2}, {"k": 1}]})
    with pytest.raises(TypeError, match=r"Column 'b' holds values of type \['dict'\]"):
        TabularEncoder().fit(frame)
