"""Tests for dgm_resample.metrics on small constructed tables with known answers."""

import math

import numpy as np
import pandas as pd
import pytest

from dgm_resample.metrics import (
    dependence_distance,
    detection_score,
    distance_to_closest_record,
    evaluate_synthetic,
    marginal_distance,
    precision_recall,
)

EVALUATE_KEYS = {
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
}


def mixed_table(n=300, seed=0, shift=0.0, nan_rate=0.0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n) + shift
    frame = pd.DataFrame(
        {
            "x": x,
            "y": 2.0 * x + rng.normal(scale=0.5, size=n),
            "count": rng.poisson(3, size=n),
            "flag": rng.random(n) < 0.3,
            "color": pd.Categorical(rng.choice(["red", "green", "blue"], size=n)),
            "name": pd.Series(rng.choice(["a", "b"], size=n), dtype="str"),
        }
    )
    if nan_rate:
        frame.loc[rng.random(n) < nan_rate, "x"] = np.nan
        frame["name"] = frame["name"].astype(object)
        frame.loc[rng.random(n) < nan_rate, "name"] = np.nan
    return frame


# ---------------------------------------------------------------- marginal


def test_marginal_identical_tables_zero():
    real = mixed_table(nan_rate=0.1)
    result = marginal_distance(real, real.copy())
    assert result.mean == 0.0
    assert (result.per_column == 0).all()
    assert list(result.per_column.index) == list(real.columns)
    assert result.kind["x"] == "ks" and result.kind["color"] == "tvd"
    assert result.kind["flag"] == "tvd"


def test_marginal_shift_grows():
    real = mixed_table(seed=0)
    small = marginal_distance(real, mixed_table(seed=1, shift=0.2)).per_column["x"]
    large = marginal_distance(real, mixed_table(seed=1, shift=3.0)).per_column["x"]
    assert 0 < small < large
    assert large > 0.8


def test_marginal_disjoint_categories_tvd_one():
    real = pd.DataFrame({"c": ["a", "b", "a"], "v": [1.0, 2.0, 3.0]})
    synth = pd.DataFrame({"c": ["x", "y", "z", "x"], "v": [1.0, 2.0, 3.0, 2.0]})
    result = marginal_distance(real, synth)
    assert result.per_column["c"] == pytest.approx(1.0)


def test_marginal_tvd_known_value_and_missing():
    real = pd.DataFrame({"c": ["a", "a", "b", "b"]})
    synth = pd.DataFrame({"c": ["a", "a", "a", None]})
    # p = (.5, .5, 0), q = (.75, 0, .25) -> TVD = .5 * (.25 + .5 + .25) = .5
    result = marginal_distance(real, synth)
    assert result.per_column["c"] == pytest.approx(0.5)
    assert result.missing_rate_difference["c"] == pytest.approx(0.25)


def test_marginal_numeric_missing_rate():
    real = pd.DataFrame({"v": [1.0, 2.0, 3.0, 4.0]})
    synth = pd.DataFrame({"v": [1.0, 2.0, np.nan, np.nan, 3.0, 4.0]})
    result = marginal_distance(real, synth)
    # Observed values match (KS 0), missing rates differ by 1/3.
    assert result.per_column["v"] == pytest.approx(1 / 3)


def test_marginal_bool_int_same_levels():
    real = pd.DataFrame({"b": [True, False, True, False]})
    synth = pd.DataFrame({"b": [1, 0, 1, 0]})
    assert marginal_distance(real, synth).mean == pytest.approx(0.0)


# ---------------------------------------------------------------- dependence


def test_dependence_identical_zero():
    real = mixed_table(nan_rate=0.1)
    result = dependence_distance(real, real.copy())
    assert result.mean == pytest.approx(0.0, abs=1e-12)
    assert result.real.loc["x", "y"] > 0.9
    assert np.allclose(np.diag(result.real.to_numpy()), 1.0)


def test_dependence_broken_correlation_detected():
    real = mixed_table(seed=0)
    synth = real.copy()
    rng = np.random.default_rng(5)
    synth["y"] = rng.permutation(synth["y"].to_numpy())
    result = dependence_distance(real, synth)
    assert result.difference.loc["x", "y"] > 0.8
    # Marginals are untouched by the permutation.
    assert marginal_distance(real, synth).mean == pytest.approx(0.0)


def test_dependence_known_cramers_v_and_eta():
    cat = np.array(["a", "b"] * 50, dtype=object)
    real = pd.DataFrame({"c1": cat, "c2": cat.copy(), "v": np.where(cat == "a", 0.0, 1.0)})
    result = dependence_distance(real, real)
    assert result.real.loc["c1", "c2"] == pytest.approx(1.0)
    assert result.real.loc["c1", "v"] == pytest.approx(1.0)


def test_dependence_single_column_nan():
    real = pd.DataFrame({"v": [1.0, 2.0, 3.0]})
    assert math.isnan(dependence_distance(real, real).mean)


# ---------------------------------------------------------------- detection


def test_detection_identical_about_half():
    real = mixed_table(n=200)
    auc = detection_score(real, real.copy(), random_state=0)
    assert 0.3 <= auc <= 0.6


def test_detection_shift_near_one():
    real = mixed_table(n=200, seed=0)
    auc = detection_score(real, mixed_table(n=200, seed=1, shift=5.0), random_state=0)
    assert auc > 0.95


def test_detection_tiny_and_unbalanced():
    real = mixed_table(n=200, seed=0)
    synth = mixed_table(n=3, seed=1)
    auc = detection_score(real, synth, cv=5, random_state=0)
    assert 0.0 <= auc <= 1.0
    with pytest.warns(UserWarning):
        assert math.isnan(detection_score(real, synth.iloc[:1], random_state=0))


def normal_table(n, seed, shift=0.0):
    rng = np.random.RandomState(seed)
    return pd.DataFrame(rng.normal(size=(n, 2)) + shift, columns=list("ab"))


@pytest.mark.parametrize("n", [2, 5, 12, 24])
def test_detection_small_different_tables_score_near_one(n):
    real = normal_table(n, seed=0)
    assert detection_score(real, real + 50.0, random_state=0) > 0.9
    synth = normal_table(n, seed=1, shift=50.0)
    assert detection_score(real, synth, random_state=0) > 0.9


def test_detection_small_same_distribution_tables_about_half():
    aucs = [
        detection_score(normal_table(24, seed), normal_table(24, 100 + seed), random_state=seed)
        for seed in range(8)
    ]
    assert 0.35 <= np.mean(aucs) <= 0.65
    assert len(set(aucs)) > 1  # real scores, not a constant


def test_detection_tables_of_one_repeated_row():
    ones = pd.DataFrame({"a": np.ones(10), "b": np.ones(10)})
    assert detection_score(ones, ones.copy(), random_state=0) == 0.5  # the same row
    with pytest.warns(UserWarning, match="identical"):
        assert math.isnan(detection_score(ones, ones + 50.0, random_state=0))


def test_detection_reproducible():
    real, synth = mixed_table(n=150, seed=0), mixed_table(n=150, seed=1, shift=0.5)
    assert detection_score(real, synth, random_state=3) == detection_score(
        real, synth, random_state=3
    )


# ---------------------------------------------------------------- precision / recall


def test_precision_recall_identical_high():
    real = mixed_table(n=200, nan_rate=0.05)
    result = precision_recall(real, real.copy(), k=5)
    assert result.precision == 1.0 and result.recall == 1.0 and result.coverage == 1.0
    assert result.density > 0.9


def test_precision_recall_shifted_low():
    real = mixed_table(n=200, seed=0)
    result = precision_recall(real, mixed_table(n=200, seed=1, shift=8.0), k=5)
    assert result.precision < 0.1 and result.recall < 0.1 and result.coverage < 0.1


def test_precision_recall_mode_collapse():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(300, 2))
    synth = real[np.linalg.norm(real, axis=1) < 0.5]  # a small core of the real data
    result = precision_recall(real, synth, k=5)
    assert result.precision > 0.9
    assert result.recall < 0.5


def test_precision_recall_small_k_lowered():
    real = np.arange(12, dtype=float).reshape(6, 2)
    result = precision_recall(real, real[:3], k=5)
    assert result.k == 2
    assert result.precision == 1.0


# ---------------------------------------------------------------- DCR


def test_dcr_exact_copies():
    train = mixed_table(n=200, seed=0, nan_rate=0.1)
    holdout = mixed_table(n=200, seed=1, nan_rate=0.1)
    result = distance_to_closest_record(train, train.copy(), holdout)
    assert result.exact_copy_rate == 1.0
    assert result.dcr_synthetic == 0.0
    assert result.dcr_holdout > 0
    assert result.ratio == pytest.approx(0.0)


def test_dcr_fresh_samples_ratio_near_one():
    train = mixed_table(n=300, seed=0)
    result = distance_to_closest_record(
        train, mixed_table(n=300, seed=1), mixed_table(n=300, seed=2)
    )
    assert result.exact_copy_rate == 0.0
    assert 0.7 < result.ratio < 1.4


def test_dcr_partial_copies_counted():
    train = pd.DataFrame({"v": np.arange(10.0), "c": list("ababababab")})
    synth = pd.concat([train.iloc[:3], pd.DataFrame({"v": [0.5], "c": ["a"]})])
    result = distance_to_closest_record(train, synth, synth.iloc[3:])
    assert result.exact_copy_rate == pytest.approx(0.75)


# ---------------------------------------------------------------- schema errors


def test_mismatched_columns_raise():
    real = pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, 2.0]})
    with pytest.raises(ValueError, match="different columns"):
        marginal_distance(real, real.rename(columns={"b": "c"}))
    with pytest.raises(ValueError, match="features"):
        detection_score(real, real[["a"]])
    with pytest.raises(ValueError, match="features"):
        precision_recall(np.zeros((4, 2)), np.zeros((4, 3)))


def test_incompatible_dtype_raises():
    real = pd.DataFrame({"a": [1.0, 2.0, 3.0]})
    synth = pd.DataFrame({"a": ["x", "y", "z"]})
    with pytest.raises(ValueError, match="incompatible"):
        dependence_distance(real, synth)
    with pytest.raises(ValueError, match="incompatible"):
        evaluate_synthetic(real, real, synth)


def test_empty_table_raises():
    real = pd.DataFrame({"a": [1.0, 2.0]})
    with pytest.raises(ValueError, match="empty"):
        marginal_distance(real, real.iloc[:0])
    with pytest.raises(ValueError, match="empty"):
        distance_to_closest_record(real, real, real.iloc[:0])


def test_column_order_and_arrays_accepted():
    real = mixed_table(n=50)
    shuffled = real[list(reversed(real.columns))]
    assert marginal_distance(real, shuffled).mean == 0.0
    arr = np.random.default_rng(0).normal(size=(40, 3))
    assert marginal_distance(arr, arr.copy()).mean == 0.0


def test_explicit_categorical_features():
    real = pd.DataFrame({"code": [1, 2, 3, 1, 2, 3], "v": np.arange(6.0)})
    synth = pd.DataFrame({"code": [4, 5, 6, 4, 5, 6], "v": np.arange(6.0)})
    assert marginal_distance(real, synth, categorical_features=["code"]).per_column[
        "code"
    ] == pytest.approx(1.0)
    by_index = marginal_distance(real, synth, categorical_features=[0])
    assert by_index.kind["code"] == "tvd"
    with pytest.raises(ValueError, match="unknown"):
        marginal_distance(real, synth, categorical_features=["nope"])


# ---------------------------------------------------------------- evaluate_synthetic


def test_evaluate_keys_and_copy_case():
    train = mixed_table(n=200, seed=0, nan_rate=0.05)
    test = mixed_table(n=200, seed=1, nan_rate=0.05)
    scores = evaluate_synthetic(train, test, train.copy(), random_state=0)
    assert set(scores) == EVALUATE_KEYS
    assert all(isinstance(v, float) for v in scores.values())
    assert scores["exact_copy_rate"] == 1.0
    assert scores["dcr_synthetic"] == 0.0
    assert scores["dcr_ratio"] < 0.1
    assert scores["marginal_distance"] < 0.2


def test_evaluate_good_vs_bad_generator():
    train = mixed_table(n=200, seed=0)
    test = mixed_table(n=200, seed=1)
    good = evaluate_synthetic(train, test, mixed_table(n=200, seed=2), random_state=0)
    bad = evaluate_synthetic(train, test, mixed_table(n=200, seed=2, shift=4.0), random_state=0)
    assert bad["detection_auc"] > good["detection_auc"]
    assert bad["marginal_distance"] > good["marginal_distance"]
    assert bad["precision"] < good["precision"]
    assert good["exact_copy_rate"] == 0.0


def test_evaluate_tiny_inputs_do_not_raise():
    train = mixed_table(n=30, seed=0)
    test = mixed_table(n=30, seed=1)
    scores = evaluate_synthetic(train, test, mixed_table(n=3, seed=2), random_state=0)
    assert set(scores) == EVALUATE_KEYS
    assert not math.isnan(scores["marginal_distance"])
    one = evaluate_synthetic(train, test, mixed_table(n=1, seed=2), random_state=0)
    assert math.isnan(one["precision"]) and math.isnan(one["detection_auc"])
    assert not math.isnan(one["dcr_synthetic"])
    empty = evaluate_synthetic(train, test, train.iloc[:0], random_state=0)
    assert all(math.isnan(v) for v in empty.values())


def test_evaluate_reproducible_with_subsampling():
    train = mixed_table(n=300, seed=0)
    test = mixed_table(n=300, seed=1)
    synth = mixed_table(n=300, seed=2, shift=0.3)
    a = evaluate_synthetic(train, test, synth, random_state=1, max_rows=100)
    b = evaluate_synthetic(train, test, synth, random_state=1, max_rows=100)
    assert a == b


# ---------------------------------------------------------------- refused inputs

PUBLIC = {
    "detection_score": lambda a, b: detection_score(a, b, random_state=0),
    "marginal_distance": marginal_distance,
    "dependence_distance": dependence_distance,
    "precision_recall": precision_recall,
    "distance_to_closest_record": lambda a, b: distance_to_closest_record(a, b, a),
    "evaluate_synthetic": lambda a, b: evaluate_synthetic(a, a, b, random_state=0),
}


@pytest.mark.parametrize("func", PUBLIC.values(), ids=PUBLIC.keys())
def test_duplicated_column_names_raise(func):
    real = pd.DataFrame(np.random.default_rng(0).normal(size=(30, 3)), columns=["a", "b", "a"])
    with pytest.raises(ValueError, match=r"(real|train) has duplicated column names: \['a'\]"):
        func(real, real.copy())


@pytest.mark.parametrize("func", PUBLIC.values(), ids=PUBLIC.keys())
def test_infinity_raises_naming_the_column(func):
    real = pd.DataFrame({"a": np.arange(30.0), "b": np.arange(30.0) % 3})
    synth = real.copy()
    synth.loc[4, "b"] = -np.inf
    with pytest.raises(ValueError, match="infinity in column 'b'"):
        func(real, synth)


@pytest.mark.parametrize(
    "column",
    [
        pd.date_range("2020", periods=6),
        pd.period_range("2020-01", periods=6, freq="M"),
        pd.interval_range(0, 6),
        np.arange(6) + 1j,
    ],
    ids=["datetime", "period", "interval", "complex"],
)
def test_unsupported_dtypes_raise_type_error(column):
    real = pd.DataFrame({"odd": column, "x": np.arange(6.0)})
    with pytest.raises(TypeError, match="'odd' of real has dtype"):
        marginal_distance(real, real)


def test_object_array_named_categorical_features_leave_numbers_numeric():
    rng = np.random.default_rng(0)
    real = np.empty((50, 2), dtype=object)
    real[:, 0] = list(rng.normal(size=50))
    real[:, 1] = list(rng.choice(["a", "b"], 50))
    synth = real.copy()
    synth[:, 0] = list(rng.normal(size=50) + 3.0)
    result = marginal_distance(real, synth, categorical_features=[1])
    assert list(result.kind) == ["ks", "tvd"]
    assert result.per_column[0] > 0.8  # KS of a 3-sd shift; as categories every value differs
    # "auto" keeps every column of an object array categorical
    assert list(marginal_distance(real, synth).kind) == ["tvd", "tvd"]
    dependence = dependence_distance(real, synth, categorical_features=[1])
    assert 0.0 <= dependence.mean <= 1.0


def test_parameters_are_validated():
    real = mixed_table(n=20)
    with pytest.raises(ValueError, match="'cv' parameter of detection_score"):
        detection_score(real, real, cv=1)
    with pytest.raises(ValueError, match="'k' parameter of precision_recall"):
        precision_recall(real, real, k=0)
    with pytest.raises(ValueError, match="'max_rows' parameter of evaluate_synthetic"):
        evaluate_synthetic(real, real, real, max_rows=1)
    with pytest.raises(ValueError, match="'categorical_features' parameter of marginal_distance"):
        marginal_distance(real, real, categorical_features="all")


# ------------------------------------------ real-world dtypes (issue 32)


def arrow_series(values, pa_type):
    pa = pytest.importorskip("pyarrow")
    return pd.Series(pd.arrays.ArrowExtensionArray(pa.array(values, type=pa_type)))


@pytest.mark.parametrize(
    "first, second",
    [
        (pd.Series([1, 2, 3, 1] * 10), pd.Series(pd.Categorical([1, 2, 3, 1] * 10))),
        (pd.Series([True, False] * 20), pd.Series([True, False] * 20, dtype=object)),
        (pd.Series([1.0, 0.0] * 20), pd.Series([True, False] * 20, dtype="boolean")),
        (pd.Series(["a", "b"] * 20, dtype=object), pd.Series(pd.Categorical(["a", "b"] * 20))),
    ],
    ids=["int-category", "bool-object", "float-boolean", "object-category"],
)
def test_equal_values_in_different_dtypes_are_one_level(first, second):
    rng = np.random.default_rng(0)
    x = rng.normal(size=len(first))
    real = pd.DataFrame({"c": first, "x": x})
    synth = pd.DataFrame({"c": second, "x": x})
    assert marginal_distance(real, synth).mean == 0.0
    assert detection_score(real, synth, random_state=0) == detection_score(
        real, real, random_state=0
    )
    assert distance_to_closest_record(real, synth, real).exact_copy_rate == 1.0


def test_arrow_dictionary_columns_are_categorical():
    pa = pytest.importorskip("pyarrow")
    words = pa.dictionary(pa.int32(), pa.string())
    real = pd.DataFrame({"c": arrow_series(list("abab") * 10, words)})
    synth = pd.DataFrame({"c": arrow_series(list("cdcd") * 10, words)})
    result = marginal_distance(real, synth)
    assert result.kind["c"] == "tvd" and result.per_column["c"] == 1.0
    same = pd.DataFrame({"c": pd.Categorical(list("abab") * 10)})
    assert marginal_distance(real, same).mean == 0.0


@pytest.mark.parametrize("kind", ["duration", "time64"])
def test_arrow_duration_and_time_columns_raise_type_error(kind):
    pa = pytest.importorskip("pyarrow")
    import datetime

    column = {
        "duration": arrow_series([1, 2, 3, 4], pa.duration("s")),
        "time64": arrow_series([datetime.time(i) for i in range(4)], pa.time64("us")),
    }[kind]
    real = pd.DataFrame({"odd": column, "x": np.arange(4.0)})
    for func in PUBLIC.values():
        with pytest.raises(
            TypeError, match="'odd' of (real|train|X_train) has dtype .*not supported"
        ):
            func(real, real)


def test_integers_beyond_2_53_are_compared_exactly():
    ids = 2**60 + np.arange(0, 40, 2, dtype=np.int64)
    train = pd.DataFrame({"id": ids})
    synth = pd.DataFrame({"id": ids + 1})  # every id one away from a training id
    result = distance_to_closest_record(train, synth, train)
    assert result.exact_copy_rate == 0.0
    assert result.dcr_synthetic > 0
    assert distance_to_closest_record(train, train.astype("Int64"), train).exact_copy_rate == 1.0
    # the numbers keep their spacing: the marginal sees the shift
    assert marginal_distance(train, synth).mean > 0
