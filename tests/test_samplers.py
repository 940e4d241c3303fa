"""Behaviour every sampler shares: containers, strategies, pipelines, seeds, errors."""

import pickle
from collections import Counter

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from _helpers import SAMPLERS, mixed_frame, tiny
from imblearn.pipeline import make_pipeline
from sklearn.compose import make_column_transformer
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

pytestmark = pytest.mark.parametrize("cls", SAMPLERS, ids=lambda cls: cls.__name__)


def three_classes(n=240, seed=0):
    X, y = make_classification(
        n_samples=n,
        n_features=5,
        n_informative=3,
        n_classes=3,
        weights=[0.6, 0.3, 0.1],
        random_state=seed,
    )
    return X, y


def test_mixed_frame_round_trip(cls):
    frame, y = mixed_frame(n=400)
    X_res, y_res = tiny(cls, max_steps=60).fit_resample(frame, y)
    assert isinstance(X_res, pd.DataFrame)
    assert list(X_res.columns) == list(frame.columns)
    assert list(X_res.dtypes) == list(frame.dtypes)
    pd.testing.assert_frame_equal(X_res.iloc[: len(frame)], frame.reset_index(drop=True))
    counts = Counter(y_res)
    assert counts[0] == counts[1] == Counter(y)[0]
    new = X_res.iloc[len(frame) :]
    assert new["count"].between(frame["count"].min(), frame["count"].max()).all()
    assert set(new["color"].dropna()) <= set(frame["color"].cat.categories)
    assert set(new["city"]) <= set(frame["city"])
    assert new["flag"].dtype == bool
    assert new.drop(columns=["gappy", "label_na"]).notna().all().all()


def test_missing_values_reappear_at_a_similar_rate(cls):
    frame, y = mixed_frame(n=600, minority=0.3)
    sampler = tiny(cls, max_steps=300, sampling_strategy={1: 1500}, validation_fraction=None)
    X_res, _ = sampler.fit_resample(frame, y)
    new = X_res.iloc[len(frame) :]
    real = frame[y == 1]
    for col in ["gappy", "label_na"]:
        assert abs(new[col].isna().mean() - real[col].isna().mean()) < 0.15, col


@pytest.mark.parametrize(
    "strategy, expected",
    [
        ({1: 150, 2: 120}, {0: 143, 1: 150, 2: 120}),
        ("not majority", {0: 143, 1: 143, 2: 143}),
        ("minority", {0: 143, 1: 73, 2: 143}),
        (lambda y: {2: 50}, {0: 143, 1: 73, 2: 50}),
    ],
)
def test_multiclass_strategies_give_exact_counts(cls, strategy, expected):
    X, y = three_classes()
    assert dict(Counter(y)) == {0: 143, 1: 73, 2: 24}
    X_res, y_res = tiny(cls, sampling_strategy=strategy).fit_resample(X, y)
    assert dict(Counter(y_res)) == expected
    np.testing.assert_array_equal(X_res[: len(X)], X)


def test_float_strategy_on_binary_data(cls):
    X, y = make_classification(n_samples=200, weights=[0.8], random_state=0)
    _, y_res = tiny(cls, sampling_strategy=0.5).fit_resample(X, y)
    counts = Counter(y_res)
    assert counts[1] == int(0.5 * counts[0])


def test_per_class_conditioning(cls):
    X, y = three_classes()
    sampler = tiny(cls, conditioning="per_class").fit(X, y)
    X_res, y_res = sampler.fit_resample(X, y)
    assert set(sampler.models_) == {1, 2}
    assert sampler.models_[1] is not sampler.models_[2]
    assert Counter(y_res) == {0: 143, 1: 143, 2: 143}
    assert {record["class"] for record in sampler.history_} == {1, 2}


def test_pipeline_and_grid_search(cls):
    X, y = make_classification(n_samples=160, weights=[0.85], random_state=0)
    pipeline = make_pipeline(tiny(cls), LogisticRegression())
    name = pipeline.steps[0][0]
    grid = GridSearchCV(pipeline, {f"{name}__max_steps": [5, 10]}, cv=2, scoring="f1")
    grid.fit(X, y)
    assert grid.best_params_[f"{name}__max_steps"] in (5, 10)
    assert grid.predict(X).shape == y.shape


def test_pipeline_with_mixed_frame(cls):
    frame, y = mixed_frame(n=200, with_nan=False)
    encode = make_column_transformer(
        ("passthrough", ["num", "count", "small", "flag"]),
        (__import__("sklearn.preprocessing").preprocessing.OneHotEncoder(), ["color", "city"]),
    )
    model = make_pipeline(tiny(cls), encode, LogisticRegression(max_iter=500)).fit(frame, y)
    assert model.score(frame, y) > 0.5


def test_same_seed_same_rows_and_no_global_state(cls):
    frame, y = mixed_frame(n=250)
    torch_state, np_state = torch.random.get_rng_state(), np.random.get_state()[1].copy()
    a, _ = tiny(cls, random_state=3).fit_resample(frame, y)
    b, _ = tiny(cls, random_state=3).fit_resample(frame, y)
    c, _ = tiny(cls, random_state=4).fit_resample(frame, y)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    assert torch.equal(torch_state, torch.random.get_rng_state())
    assert np.array_equal(np_state, np.random.get_state()[1])


def test_pickle_and_sample_after_fit(cls, tmp_path):
    frame, y = mixed_frame(n=250)
    sampler = tiny(cls).fit(frame, y)
    sampler.fit_resample(frame, y)
    clone = pickle.loads(pickle.dumps(sampler))
    joblib.dump(sampler, tmp_path / "s.joblib")
    loaded = joblib.load(tmp_path / "s.joblib")
    rows = sampler.sample(7, y=1, random_state=0)
    pd.testing.assert_frame_equal(rows, clone.sample(7, y=1, random_state=0))
    pd.testing.assert_frame_equal(rows, loaded.sample(7, y=1, random_state=0))
    assert list(rows.dtypes) == list(frame.dtypes) and len(rows) == 7
    assert len(sampler.sample(0, y=1)) == 0
    with pytest.raises(ValueError, match="No model can generate class 5"):
        sampler.sample(3, y=5)
    if not torch.cuda.is_available():
        # a sampler fitted on a GPU (stored on the CPU) keeps generating on a CPU-only machine
        gpu_fitted = pickle.loads(pickle.dumps(sampler)).set_params(device="cuda")
        with pytest.warns(UserWarning, match="generating on the CPU"):
            moved = gpu_fitted.sample(7, y=1, random_state=0)
        pd.testing.assert_frame_equal(rows, moved)


def test_large_draws_are_generated_in_chunks(cls, monkeypatch):
    # the chunk size bounds the memory of a draw; counts, dtypes and
    # reproducibility must not depend on how many chunks a draw takes
    import dgm_resample._base as base

    monkeypatch.setattr(base, "GENERATION_CHUNK", 16)
    frame, y = mixed_frame(n=250)
    sampler = tiny(cls, random_state=2)
    sizes = []
    X_res, y_res = sampler.fit_resample(frame, y)
    n_new = int((y == 0).sum() - (y == 1).sum())
    assert n_new > 3 * 16
    assert Counter(y_res)[1] == (y == 0).sum()
    assert list(X_res.dtypes) == list(frame.dtypes)
    model = sampler.models_[1]
    original = model.sample

    def recording(n, cond, generator, **settings):
        sizes.append(n)
        return original(n, cond, generator, **settings)

    monkeypatch.setattr(model, "sample", recording)
    rows = sampler.sample(50, y=1, random_state=0)
    assert len(rows) == 50 and sizes and max(sizes) <= 16
    again, _ = tiny(cls, random_state=2).fit_resample(frame, y)
    pd.testing.assert_frame_equal(X_res, again)


def test_float32_and_history(cls):
    X, y = make_classification(n_samples=200, weights=[0.8], random_state=0)
    sampler = tiny(cls, max_steps=30)
    X_res, _ = sampler.fit_resample(X.astype(np.float32), y)
    assert X_res.dtype == np.float32
    assert sampler.history_ and {"epoch", "step", "train_loss", "valid_loss"} <= set(
        sampler.history_[0]
    )
    assert sampler.history_[-1]["step"] <= 30


def test_bad_inputs_raise_clear_errors(cls):
    X, y = make_classification(n_samples=60, weights=[0.8], random_state=0)
    sampler = tiny(cls)
    with pytest.raises(ValueError, match="class"):
        sampler.fit_resample(X, np.zeros(60))
    y_small = np.zeros(60, dtype=int)
    y_small[0] = 1
    with pytest.raises(ValueError, match="Class 1 has 1 sample"):
        sampler.fit_resample(X, y_small)
    X_inf = X.copy()
    X_inf[3, 2] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        sampler.fit_resample(X_inf, y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        sampler.fit_resample(X[:50], y)
    frame = pd.DataFrame({"when": pd.date_range("2021", periods=60), "x": X[:, 0]})
    with pytest.raises(TypeError, match="'when'"):
        sampler.fit_resample(frame, y)
    with pytest.raises(TypeError, match="sparse"):
        sampler.fit_resample(__import__("scipy.sparse").sparse.csr_matrix(X), y)
    for bad in [{"max_steps": 0}, {"conditioning": "both"}, {"device": "tpu"}]:
        with pytest.raises(ValueError, match=f"'{next(iter(bad))}' parameter"):
            tiny(cls, **bad).fit_resample(X, y)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            tiny(cls, device="cuda").fit_resample(X, y)
