"""Behaviour shared by the exact-likelihood samplers (``score_samples``)."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from _helpers import SAMPLERS, tiny, with_variants

from dgm_resample._likelihood import LikelihoodMixin

LIKELIHOOD_SAMPLERS = [cls for cls in SAMPLERS if issubclass(cls, LikelihoodMixin)]


@pytest.fixture(params=with_variants(LIKELIHOOD_SAMPLERS))
def cls(request):
    return request.param


def test_multiclass_dict_strategy_pickle_and_sample(cls):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 4))
    y = np.repeat([0, 1, 2], [200, 70, 30])
    X[:, 0] += y
    sampler = tiny(cls, sampling_strategy={1: 120, 2: 90}, max_steps=40)
    X_res, y_res = sampler.fit_resample(X, y)
    assert dict(zip(*np.unique(y_res, return_counts=True))) == {0: 200, 1: 120, 2: 90}
    np.testing.assert_array_equal(X_res[:300], X)
    clone = pickle.loads(pickle.dumps(sampler))
    np.testing.assert_array_equal(
        clone.sample(25, y=2, random_state=4), sampler.sample(25, y=2, random_state=4)
    )
    np.testing.assert_array_equal(
        clone.score_samples(X[:10], y[:10]), sampler.score_samples(X[:10], y[:10])
    )
    assert sampler.sample(0, y=1).shape == (0, 4)


def test_per_class_models_score_only_their_classes(cls):
    X, y = np.random.default_rng(4).normal(size=(150, 3)), np.repeat([0, 1], [110, 40])
    sampler = tiny(cls, conditioning="per_class", max_steps=30)
    X_res, y_res = sampler.fit_resample(X, y)
    assert (y_res == 1).sum() == 110 and list(sampler.models_) == [1]
    assert np.isfinite(sampler.score_samples(X[y == 1], 1)).all()
    with pytest.raises(ValueError, match="No fitted model"):
        sampler.score_samples(X[:3], 0)


def test_likelihood_families_are_found():
    names = {cls.__name__ for cls in LIKELIHOOD_SAMPLERS}
    assert {"AutoregressiveOverSampler", "FlowOverSampler"} <= names


def test_sampling_temperature_applies_after_fit_without_refitting(cls):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(240, 3)) * [1.0, 3.0, 0.5]
    y = np.repeat([0, 1], [160, 80])
    sampler = tiny(cls, max_steps=60, sampling_temperature=1.0).fit(X, y)
    sampler.fit_resample(X, y)
    warm = sampler.sample(2000, y=1, random_state=0)
    scores = sampler.score_samples(X[:20], y[:20])
    sampler.set_params(sampling_temperature=0.3)
    cold = sampler.sample(2000, y=1, random_state=0)
    if getattr(sampler, "numeric_head", "mixture") == "bins":
        # a colder draw puts the rows in fewer bins (sharper bin weights; with
        # nearly uniform weights the spread need not shrink)
        model = sampler.models_[1]

        def bin_entropy(rows):
            z = torch.as_tensor(sampler.encoder_.transform(rows), dtype=torch.float32)
            bins = model._bin_index(z[:, model.layout.numeric_idx])
            counts = torch.nn.functional.one_hot(bins, model.n_bins).sum(0)
            p = counts / counts.sum(0)
            return -(p * torch.log(p.clamp_min(1e-12))).sum(-1)

        assert (bin_entropy(cold) < bin_entropy(warm)).all()
    else:
        # a colder draw concentrates the rows (quantile-normal space is monotone in X)
        assert (cold.std(axis=0) < warm.std(axis=0)).all()
    # the likelihood belongs to the trained model, not to the sampling temperature
    np.testing.assert_array_equal(sampler.score_samples(X[:20], y[:20]), scores)
    sampler.set_params(sampling_temperature=1.0)
    np.testing.assert_array_equal(sampler.sample(2000, y=1, random_state=0), warm)


def test_score_samples_prefers_rows_of_their_own_class(cls):
    rng = np.random.default_rng(1)
    n = 800
    y = (rng.random(n) < 0.3).astype(int)
    frame = pd.DataFrame(
        {
            "a": rng.normal(size=n) + 2.5 * y,
            "b": rng.gamma(2.0, size=n) * (1 + y),
            "c": pd.Categorical(
                np.where(y == 1, rng.choice(["x", "y"], n), rng.choice(["y", "z"], n))
            ),
        }
    )
    train = np.arange(n) < 600
    sampler = tiny(cls, max_steps=300, validation_fraction=None, hidden_dims=(64, 64))
    sampler.fit_resample(frame[train], y[train])
    held_out = frame[~train].reset_index(drop=True)
    y_test = y[~train]
    own = sampler.score_samples(held_out, y_test)
    swapped = sampler.score_samples(held_out, 1 - y_test)
    assert own.shape == (len(held_out),) and np.isfinite(own).all()
    assert (own > swapped).mean() > 0.8
    for label in (0, 1):
        rows = y_test == label
        assert own[rows].mean() > swapped[rows].mean() + 1.0
    # without labels: the uniform mixture of the class-conditional densities
    mixture = np.logaddexp(own, swapped) - np.log(2)
    np.testing.assert_allclose(sampler.score_samples(held_out), mixture, rtol=1e-6)
    # a single label scores every row under that class
    np.testing.assert_allclose(
        sampler.score_samples(held_out, 1), np.where(y_test == 1, own, swapped), rtol=1e-5
    )
    # deterministic (the flow's dequantization draws for scoring use a fixed seed)
    np.testing.assert_array_equal(sampler.score_samples(held_out, y_test), own)
