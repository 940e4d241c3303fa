"""Unusual input and misuse: nothing silently wrong, clear errors (issue 17)."""

import threading
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from _helpers import SAMPLERS, tiny
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError

from dgm_resample import (
    AutoregressiveOverSampler,
    DiffusionOverSampler,
    FlowOverSampler,
    GANOverSampler,
    TabularEncoder,
    VAEOverSampler,
)

per_sampler = pytest.mark.parametrize("cls", SAMPLERS, ids=lambda cls: cls.__name__)
LIKELIHOOD = [FlowOverSampler, AutoregressiveOverSampler]

INT64, UINT64 = np.iinfo(np.int64), np.iinfo(np.uint64)


def extreme_integers(n=120, seed=0):
    """Integer columns at the ends of int64 / uint64, ids beyond 2**53, nullable Int64."""
    rng = np.random.RandomState(seed)
    frame = pd.DataFrame(
        {
            "near_max": INT64.max - rng.randint(0, 50, n).astype(np.int64),
            "near_min": INT64.min + rng.randint(0, 50, n).astype(np.int64),
            "unsigned": UINT64.max - rng.randint(0, 50, n).astype(np.uint64),
            "ids": (2**53 + rng.randint(0, 1000, n)).astype(np.int64),
            "nullable": pd.array(
                [None if i % 7 == 0 else INT64.max - i for i in range(n)], dtype="Int64"
            ),
            "x": rng.normal(size=n),
        }
    )
    return frame, (np.arange(n) % 6 == 0).astype(int)


@per_sampler
def test_integers_near_the_dtype_limits_stay_inside_the_observed_range(cls):
    frame, y = extreme_integers()
    X_res, _ = tiny(cls, max_steps=5).fit_resample(frame, y)
    assert list(X_res.dtypes) == list(frame.dtypes)
    new = X_res.iloc[len(frame) :]
    for column in frame.columns[:-1]:
        values = new[column].dropna()
        assert len(values) > 0
        # compare as Python ints: exact, whatever the dtype
        low, high = int(frame[column].min()), int(frame[column].max())
        assert all(low <= int(v) <= high for v in values), column


def test_integer_arrays_near_the_limits_decode_exactly():
    frame, _ = extreme_integers(n=50)
    array = frame[["near_max", "near_min", "ids"]].to_numpy()
    encoder = TabularEncoder(random_state=0).fit(array)
    back = encoder.inverse_transform(encoder.transform(array))
    assert back.dtype == np.int64
    np.testing.assert_array_equal(back, array)
    # raw model outputs far outside the range are clipped to it, exactly
    Z = np.full((3, encoder.n_encoded_), 50.0)
    Z[1] = -50.0
    decoded = encoder.inverse_transform(Z)
    assert decoded[0, 0] == array[:, 0].max() and decoded[1, 1] == array[:, 1].min()
    assert (decoded[:, 2] >= array[:, 2].min()).all() and (decoded[:, 2] <= array[:, 2].max()).all()


@pytest.mark.parametrize(
    "params",
    [
        {"sampling_temperature": -1},
        {"sampling_temperature": 0},
        {"filter_min_share": 5},
        {"filter_neighbors": 0},
        {"filter_neighbors": True},
    ],
)
def test_set_params_on_a_fitted_sampler_is_validated_before_sampling(params):
    X, y = make_classification(n_samples=100, weights=[0.8], random_state=0)
    sampler = tiny(AutoregressiveOverSampler)
    sampler.fit_resample(X, y)
    sampler.set_params(**params)
    with pytest.raises(ValueError, match=f"'{next(iter(params))}' parameter"):
        sampler.sample(5, 1)


@pytest.mark.parametrize(
    "cls, name",
    [
        (VAEOverSampler, "hidden_dims"),
        (GANOverSampler, "generator_dims"),
        (GANOverSampler, "critic_dims"),
        (FlowOverSampler, "hidden_dims"),
        (AutoregressiveOverSampler, "hidden_dims"),
        (DiffusionOverSampler, "hidden_dims"),
    ],
)
@pytest.mark.parametrize("value", [(0,), (-4,), (2.5,), (), (8, True), "64"])
def test_layer_sizes_are_validated(cls, name, value):
    X, y = make_classification(n_samples=60, weights=[0.8], random_state=0)
    with pytest.raises(
        ValueError, match=f"'{name}' parameter .* non-empty tuple or list of positive"
    ):
        tiny(cls, **{name: value}).fit_resample(X, y)


@per_sampler
def test_integer_parameters_refuse_booleans(cls):
    X, y = make_classification(n_samples=60, weights=[0.8], random_state=0)
    for name in ("max_steps", "batch_size"):
        with pytest.raises(ValueError, match=f"'{name}' parameter"):
            tiny(cls, **{name: True}).fit_resample(X, y)


@pytest.mark.parametrize("cls", LIKELIHOOD, ids=lambda cls: cls.__name__)
def test_score_samples_refuses_missing_values_not_seen_in_fit(cls):
    frame = pd.DataFrame(
        {
            "x": np.linspace(0, 1, 80),
            "flag": np.arange(80) % 3 == 0,
            "n": np.arange(80) % 5,
            "c": pd.Categorical(np.arange(80) % 2),
        }
    )
    y = (np.arange(80) % 4 == 0).astype(int)
    sampler = tiny(cls)
    sampler.fit_resample(frame, y)
    for column in ["x", "n"]:
        bad = frame.head(3).copy()
        bad.loc[1, column] = np.nan
        with pytest.raises(ValueError, match=f"'{column}' has missing values not seen in fit"):
            sampler.score_samples(bad, y[:3])
    bad = frame.head(3).astype({"flag": "boolean"})
    bad.loc[1, "flag"] = pd.NA
    with pytest.raises(ValueError, match="'flag' has missing values not seen in fit"):
        sampler.score_samples(bad, y[:3])


@per_sampler
def test_returned_index_is_always_a_range(cls):
    X, y = make_classification(n_samples=80, weights=[0.7], random_state=0)
    frame = pd.DataFrame(X, index=np.arange(1000, 1080))
    counts = dict(zip(*np.unique(y, return_counts=True)))
    for strategy in ("auto", counts):  # rows added, none added
        X_res, _ = tiny(cls, sampling_strategy=strategy).fit_resample(frame, y)
        pd.testing.assert_index_equal(X_res.index, pd.RangeIndex(len(X_res)))


def test_filter_fill_in_warns_with_the_acceptance_rate():
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(size=(200, 3)), rng.normal(size=(4, 3))])
    y = np.r_[np.zeros(200, dtype=int), np.ones(4, dtype=int)]
    # 5 of the 10 nearest rows of class 1 cannot happen with 4 rows of class 1
    sampler = tiny(VAEOverSampler, filter_neighbors=10, filter_min_share=0.5)
    with pytest.warns(UserWarning, match=r"accepted 0 of the \d+ rows drawn for class 1 \(0.0%\)"):
        _, y_res = sampler.fit_resample(X, y)
    assert (y_res == 1).sum() == 200
    # no warning when the filter finds its rows
    sampler.set_params(filter_neighbors=5, filter_min_share=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sampler.sample(20, 1, random_state=0)


@per_sampler
def test_fitting_in_threads_leaves_the_global_generators_alone(cls):
    X, y = make_classification(n_samples=120, weights=[0.8], random_state=0)
    serial = [tiny(cls, max_steps=3, random_state=i).fit_resample(X, y)[0] for i in range(6)]
    torch.manual_seed(123)
    torch_state, np_state = torch.random.get_rng_state(), np.random.get_state()[1].copy()
    results = [None] * 6

    def fit(i):
        results[i] = tiny(cls, max_steps=3, random_state=i).fit_resample(X, y)[0]

    threads = [threading.Thread(target=fit, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert torch.equal(torch_state, torch.random.get_rng_state())
    assert np.array_equal(np_state, np.random.get_state()[1])
    for a, b in zip(serial, results):
        np.testing.assert_array_equal(a, b)


@per_sampler
def test_repr_of_fitted_models_leaves_the_global_generator_alone(cls):
    X, y = make_classification(n_samples=80, weights=[0.8], random_state=0)
    sampler = tiny(cls)
    sampler.fit_resample(X, y)
    state = torch.random.get_rng_state()
    repr(sampler.models_[1])
    assert torch.equal(state, torch.random.get_rng_state())


@per_sampler
def test_sample_after_fit_only_asks_for_fit_resample(cls):
    X, y = make_classification(n_samples=60, weights=[0.8], random_state=0)
    sampler = tiny(cls).fit(X, y)
    with pytest.raises(NotFittedError, match=r"call fit_resample\(X, y\) first"):
        sampler.sample(3, 1)


@pytest.mark.parametrize("bad", [1.5, -1, True])
def test_sample_refuses_bad_counts(bad):
    X, y = make_classification(n_samples=60, weights=[0.8], random_state=0)
    sampler = tiny(VAEOverSampler)
    sampler.fit_resample(X, y)
    with pytest.raises(ValueError, match="n_samples must be a non-negative integer"):
        sampler.sample(bad, 1)


def test_string_arrays_keep_their_dtype():
    rng = np.random.RandomState(0)
    X = np.column_stack([rng.choice(["a", "bb", "ccc"], 90), rng.choice(["x", "y"], 90)])
    y = (np.arange(90) % 5 == 0).astype(int)
    assert X.dtype.kind == "U"
    X_res, y_res = tiny(VAEOverSampler).fit_resample(X, y)
    assert X_res.dtype == X.dtype and len(X_res) == len(y_res) > len(X)
    assert set(X_res[:, 0]) <= {"a", "bb", "ccc"}
    sampler = tiny(VAEOverSampler)
    sampler.fit_resample(X, y)
    assert sampler.sample(4, 1).dtype == X.dtype


def test_whole_numbers_in_object_arrays_come_back_as_integers():
    X = np.array([[i % 7, "ab"[i % 2], 2**62 + i] for i in range(60)], dtype=object)
    y = (np.arange(60) % 5 == 0).astype(int)
    encoder = TabularEncoder(categorical_features=[1]).fit(X)
    back = encoder.inverse_transform(encoder.transform(X))
    assert (back == X).all() and all(type(v) is int for v in back[:, 2])
    X_res, _ = tiny(VAEOverSampler, categorical_features=[1]).fit_resample(X, y)
    new = X_res[len(X) :]
    assert all(type(v) is int and 0 <= v <= 6 for v in new[:, 0])
    assert all(type(v) is int and 2**62 <= v < 2**62 + 60 for v in new[:, 2])


# ------------------------------------------------- bad input, second round (issue 32)


def arrow_frame(n=80, seed=0):
    """A frame as ``read_parquet(dtype_backend="pyarrow")`` gives it, NaN in a float column."""
    pa = pytest.importorskip("pyarrow")
    rng = np.random.RandomState(seed)
    table = pa.table(
        {
            "color": pa.array(rng.choice(["red", "green", "blue"], n)).dictionary_encode(),
            "x": pa.array(rng.normal(size=n)),
            # NaN, not null: 0 / 0 in a pipeline, or a NaN written by another tool
            "ratio": pa.array(np.where(np.arange(n) % 4 == 0, np.nan, rng.gamma(2.0, size=n))),
            "flag": pa.array([None if i % 5 == 0 else bool(i % 2) for i in range(n)]),
            "count": pa.array(rng.randint(0, 9, n)),
        }
    )
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    return frame, (np.arange(n) % 4 == 1).astype(int)


@per_sampler
def test_arrow_backed_frames_are_resampled_with_their_dtypes(cls):
    frame, y = arrow_frame()
    assert not frame["ratio"].isna().any()  # the NaN are not missing to pandas
    sampler = tiny(cls)
    X_res, _ = sampler.fit_resample(frame, y)
    assert list(X_res.dtypes) == list(frame.dtypes)
    pd.testing.assert_frame_equal(X_res.iloc[: len(frame)], frame)
    assert sampler.encoder_.columns_[0].kind == "categorical"
    new = X_res.iloc[len(frame) :]
    assert set(new["color"]) <= {"red", "green", "blue"}
    # the NaN are modelled as missing values: the other rows are generated
    assert 0 < new["ratio"].isna().mean() < 1
    assert new["ratio"].dropna().between(frame["ratio"].min(), frame["ratio"].max()).all()
    assert new["flag"].isna().any() and new["flag"].notna().any()
    assert list(sampler.sample(4, 1).dtypes) == list(frame.dtypes)


@per_sampler
def test_nan_in_a_float_column_is_generated_as_missing(cls):
    frame, y = arrow_frame()
    frame = frame[["x", "ratio"]]
    X_res, _ = tiny(cls).fit_resample(frame, y)
    new = X_res["ratio"].iloc[len(frame) :]
    assert 0 < new.isna().mean() < 1  # not <NA> everywhere
    assert new.dropna().between(frame["ratio"].min(), frame["ratio"].max()).all()


@pytest.mark.parametrize("pa_type", ["time64", "binary"])
def test_arrow_time_and_binary_columns_raise_type_error_naming_the_column(pa_type):
    pa = pytest.importorskip("pyarrow")
    import datetime

    n = 40
    values = {
        "time64": pa.array([datetime.time(i % 24) for i in range(n)], type=pa.time64("us")),
        "binary": pa.array([b"ab", b"cd"] * (n // 2), type=pa.binary()),
    }[pa_type]
    frame = pa.table({"odd": values, "x": np.arange(n, dtype=float)}).to_pandas(
        types_mapper=pd.ArrowDtype
    )
    y = (np.arange(n) % 4 == 0).astype(int)
    for cls in SAMPLERS:
        with pytest.raises(TypeError, match="Column 'odd' of X has dtype .* not supported"):
            tiny(cls).fit_resample(frame, y)


@per_sampler
def test_sample_keeps_sparse_columns_sparse(cls):
    X, y = make_classification(
        n_samples=80, n_features=3, n_informative=2, n_redundant=0, weights=[0.8], random_state=0
    )
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["a"] = pd.arrays.SparseArray(np.where(frame["a"] > 0, frame["a"], 0.0))
    sampler = tiny(cls)
    X_res, _ = sampler.fit_resample(frame, y)
    assert list(X_res.dtypes) == list(frame.dtypes)
    assert list(sampler.sample(5, 1).dtypes) == list(frame.dtypes)


@pytest.mark.parametrize("cls", LIKELIHOOD, ids=lambda cls: cls.__name__)
def test_score_samples_reads_columns_by_name(cls):
    X, y = make_classification(
        n_samples=80, n_features=3, n_informative=2, n_redundant=0, weights=[0.7], random_state=0
    )
    frame = pd.DataFrame({"a": X[:, 0], "b": 10 * X[:, 1] + 50, "c": X[:, 2]})
    sampler = tiny(cls)
    sampler.fit_resample(frame, y)
    expected = sampler.score_samples(frame, y)
    np.testing.assert_allclose(sampler.score_samples(frame[["c", "a", "b"]], y), expected)
    with pytest.raises(ValueError, match=r"missing from X: \['b'\]"):
        sampler.score_samples(frame[["a", "c"]], y)


@pytest.mark.parametrize("cls", LIKELIHOOD, ids=lambda cls: cls.__name__)
def test_one_hot_labels_work_in_score_samples_and_sample(cls):
    X, y = make_classification(n_samples=80, weights=[0.7], random_state=0)
    one_hot = np.eye(2, dtype=int)[y]
    sampler = tiny(cls)
    sampler.fit_resample(X, one_hot)
    np.testing.assert_allclose(sampler.score_samples(X, one_hot), sampler.score_samples(X, y))
    rows = sampler.sample(3, [0, 1], random_state=0)
    np.testing.assert_array_equal(rows, sampler.sample(3, 1, random_state=0))
    with pytest.raises(ValueError, match=r"one class label .* got \[1\]"):
        sampler.sample(2, [1])
    with pytest.raises(ValueError, match="one-hot rows over the 2 fitted classes"):
        sampler.score_samples(X[:2], np.ones((2, 2)))
