"""The neighbour filter on generated rows (``filter_neighbors``, ``filter_min_share``)."""

from collections import Counter

import numpy as np
import pandas as pd
import pytest
import torch
from _helpers import SAMPLERS, tiny

from dgm_resample import AutoregressiveOverSampler
from dgm_resample._filter import ClassNeighbors
from dgm_resample._training import make_generator

CPU = torch.device("cpu")


def overlapping(n=400, shift=1.5, seed=0):
    """Three numeric columns; the minority (about 20%) is shifted along the first."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.2).astype(int)
    X = rng.normal(size=(n, 3))
    X[:, 0] += shift * y
    return X, y


def encoded_draws(sampler, label, n, seed=0):
    """Encoded rows as ``fit_resample`` and ``sample`` generate them (before decoding)."""
    return sampler._generate_encoded(label, n, CPU, make_generator(seed, CPU))


def own_counts(sampler, Z, label, k):
    code = int(np.searchsorted(sampler.classes_, label))
    return sampler.neighbors_.own_class_counts(Z, code, k)


def test_required_count_rounds_up_to_whole_rows():
    def index(n_train):
        return ClassNeighbors().fit(np.arange(n_train, dtype=float)[:, None], np.zeros(n_train))

    assert index(100).required_count(5, 0.4) == 2
    assert index(100).required_count(5, 0.5) == 3
    assert index(100).required_count(5, 1.0) == 5
    assert index(3).required_count(5, 0.4) == 2  # only 3 training rows to ask
    assert index(100).required_count(10, 1e-6) == 1  # at least one neighbour of the class


def test_class_neighbors_count_the_class_among_the_closest_rows():
    Z = np.array([[0.0], [1.0], [2.0], [10.0], [11.0], [12.0]])
    codes = np.array([0, 0, 1, 1, 1, 1])
    index = ClassNeighbors().fit(Z, codes)
    counts = index.own_class_counts(np.array([[0.4], [11.2], [1.6]]), 0, 3)
    assert counts.tolist() == [2, 0, 2]
    # more neighbours asked than rows fitted: all rows are asked
    assert index.own_class_counts(np.array([[0.0]]), 1, 50).tolist() == [4]


@pytest.mark.parametrize("cls", SAMPLERS, ids=lambda cls: cls.__name__)
def test_filtered_rows_have_enough_neighbours_of_their_class(cls):
    X, y = overlapping()
    sampler = tiny(cls, filter_neighbors=5, filter_min_share=0.6)
    X_res, y_res = sampler.fit_resample(X, y)
    assert Counter(y_res.tolist()) == {0: (y == 0).sum(), 1: (y == 0).sum()}
    assert np.isfinite(X_res).all()
    kept = own_counts(sampler, encoded_draws(sampler, 1, 300), 1, 5)
    assert kept.min() >= 3
    # the same model without the filter puts rows where the other class dominates
    unfiltered = encoded_draws(sampler.set_params(filter_neighbors=None), 1, 300)
    assert (own_counts(sampler, unfiltered, 1, 5) < 3).mean() > 0.05


@pytest.mark.parametrize("cls", SAMPLERS, ids=lambda cls: cls.__name__)
def test_filter_that_rejects_almost_everything_still_gives_exact_counts(cls):
    # both classes from one distribution: ten minority rows out of ten nearest is rare
    X, y = overlapping(shift=0.0)
    sampler = tiny(cls, filter_neighbors=10, filter_min_share=1.0)
    with pytest.warns(UserWarning, match="neighbour filter accepted"):
        X_res, y_res = sampler.fit_resample(X, y)
        X_again, _ = tiny(cls, filter_neighbors=10, filter_min_share=1.0).fit_resample(X, y)
    assert Counter(y_res.tolist())[1] == (y == 0).sum()
    assert np.isfinite(X_res).all()
    np.testing.assert_array_equal(X_res, X_again)
    # the shortfall is filled with the rejected rows closest to the rule
    with pytest.warns(UserWarning, match="neighbour filter accepted"):
        filled = own_counts(sampler, encoded_draws(sampler, 1, 200), 1, 10)
    plain = own_counts(
        sampler.set_params(filter_neighbors=None), encoded_draws(sampler, 1, 200), 1, 10
    )
    assert filled.mean() > plain.mean() + 1


@pytest.mark.parametrize("cls", SAMPLERS, ids=lambda cls: cls.__name__)
def test_filter_only_shapes_generation(cls):
    """Fitting does not depend on the filter; it can be switched after fitting."""
    X, y = overlapping()
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    filtered = tiny(cls, filter_neighbors=5).fit(frame, y)
    filtered.fit_resample(frame, y)
    plain = tiny(cls, filter_neighbors=None).fit(frame, y)
    plain.fit_resample(frame, y)
    rows = filtered.sample(40, 1, random_state=0)
    assert not rows.equals(plain.sample(40, 1, random_state=0))
    filtered.set_params(filter_neighbors=None)
    pd.testing.assert_frame_equal(
        filtered.sample(40, 1, random_state=0), plain.sample(40, 1, random_state=0)
    )
    plain.set_params(filter_neighbors=5)
    pd.testing.assert_frame_equal(rows, plain.sample(40, 1, random_state=0))


def test_autoregressive_sampler_filters_by_default():
    X, y = overlapping()
    sampler = tiny(AutoregressiveOverSampler)
    assert (sampler.filter_neighbors, sampler.filter_min_share) == (10, 0.2)
    sampler.fit_resample(X, y)
    assert own_counts(sampler, encoded_draws(sampler, 1, 300), 1, 10).min() >= 2


@pytest.mark.parametrize(
    "params, match",
    [
        ({"filter_neighbors": 0}, "filter_neighbors"),
        ({"filter_min_share": 0.0}, "filter_min_share"),
        ({"filter_min_share": 1.5}, "filter_min_share"),
    ],
)
def test_filter_parameters_are_validated(params, match):
    X, y = overlapping()
    with pytest.raises(ValueError, match=match):
        tiny(SAMPLERS[0], **params).fit_resample(X, y)
