"""Behaviour shared by the exact-likelihood samplers (``score_samples``)."""

import pickle

import numpy as np
import pytest
from _helpers import SAMPLERS, tiny

from dgm_resample._base import LikelihoodMixin

LIKELIHOOD_SAMPLERS = [cls for cls in SAMPLERS if issubclass(cls, LikelihoodMixin)]


@pytest.fixture(params=LIKELIHOOD_SAMPLERS, ids=lambda cls: cls.__name__)
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
