"""Parameter names: renamed parameters, the ``device`` values, class labels in messages."""

import warnings

import numpy as np
import pytest
import torch
from _helpers import SAMPLERS, tiny
from imblearn.pipeline import make_pipeline
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError

from dgm_resample import AutoregressiveOverSampler, FlowOverSampler, GANOverSampler

X, Y = make_classification(n_samples=120, n_features=4, weights=[0.8], random_state=0)

#: (sampler, deprecated name, new name, a value, attribute of the built model)
RENAMED = [
    (GANOverSampler, "temperature", "gumbel_temperature", 0.5, "temperature"),
    (FlowOverSampler, "n_bins", "n_spline_bins", 4, "n_bins"),
]


def _fit(sampler):
    """``fit_resample`` with the ``FutureWarning`` records of the call."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sampler.fit_resample(X, Y)
    return [w for w in caught if issubclass(w.category, FutureWarning)]


@pytest.mark.parametrize("cls,old,new,value,attribute", RENAMED, ids=lambda v: str(v))
def test_a_renamed_parameter_still_works_with_a_future_warning(cls, old, new, value, attribute):
    extra = {"transform_type": "spline"} if cls is FlowOverSampler else {}
    sampler = tiny(cls, **extra, **{old: value})
    caught = _fit(sampler)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert f"`{old}` was renamed `{new}` in version 0.2 and will be removed in 0.4" in message
    assert caught[0].filename == __file__  # points at the user's call
    model = next(iter(sampler.models_.values()))
    assert getattr(model, attribute) == value  # the old name's value is used
    # the old name is a parameter like any other: get_params, clone, set_params
    assert (
        sampler.get_params()[old] == value and sampler.get_params()[new] == cls().get_params()[new]
    )
    assert clone(sampler).get_params()[old] == value
    # the new name alone: no warning, its value used
    renamed = tiny(cls, **extra, **{new: value})
    assert _fit(renamed) == []
    assert getattr(next(iter(renamed.models_.values())), attribute) == value
    assert renamed.get_params()[old] == "deprecated"


@pytest.mark.parametrize("cls,old,new,value,attribute", RENAMED, ids=lambda v: str(v))
def test_old_and_new_name_together_are_refused(cls, old, new, value, attribute):
    with pytest.raises(ValueError, match=f"{new} only"):
        tiny(cls, **{old: value, new: value + 1}).fit_resample(X, Y)
    with pytest.raises(InvalidParameterError, match=f"'{old}' parameter"):
        tiny(cls, **{old: -1}).fit_resample(X, Y)


def test_grid_search_over_a_deprecated_name():
    pipeline = make_pipeline(
        tiny(GANOverSampler, max_steps=2, validation_fraction=None), LogisticRegression()
    )
    search = GridSearchCV(pipeline, {"ganoversampler__temperature": [0.3, 0.6]}, cv=2)
    with pytest.warns(FutureWarning, match="renamed `gumbel_temperature`"):
        search.fit(X, Y)
    best = search.best_estimator_[0]
    assert best.models_[1].temperature == search.best_params_["ganoversampler__temperature"]


def test_one_temperature_name_per_meaning():
    """``sampling_temperature`` is the generation-time temperature of every family."""
    with_temperature = [cls for cls in SAMPLERS if "temperature" in "".join(cls().get_params())]
    for cls in with_temperature:
        names = {n for n in cls().get_params() if "temperature" in n and n != "temperature"}
        assert "sampling_temperature" in names, cls.__name__
        assert names <= {"sampling_temperature", "gumbel_temperature"}, cls.__name__


@pytest.mark.parametrize("device", ["cuda:1", "cuda:0", torch.device("cuda:1")])
def test_a_gpu_index_passes_validation(device):
    sampler = tiny(AutoregressiveOverSampler, device=device)
    sampler._validate_params()  # no InvalidParameterError
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            sampler.fit_resample(X, Y)


@pytest.mark.parametrize("device", ["cuda:", "cuda:x", "gpu:1", "cuda1"])
def test_malformed_devices_are_refused(device):
    with pytest.raises(InvalidParameterError, match="'cuda:k'"):
        tiny(AutoregressiveOverSampler, device=device).fit_resample(X, Y)


def test_labels_keep_their_type_in_messages():
    sampler = tiny(AutoregressiveOverSampler, max_steps=2).fit(X, Y)
    sampler.fit_resample(X, Y)
    with pytest.raises(ValueError) as error:
        sampler.sample(5, y=3)
    assert str(error.value) == "No model can generate class 3; fitted classes: [0, 1]."
    with pytest.raises(ValueError) as error:
        sampler.score_samples(X[:2], [3, 7])
    assert str(error.value) == "No fitted model for class(es) [3, 7]; fitted classes: [0, 1]."
    labels = np.where(Y == 1, "yes", "no")
    sampler.fit_resample(X, labels)
    with pytest.raises(ValueError, match=r"class 'maybe'; fitted classes: \['no', 'yes'\]"):
        sampler.sample(5, y="maybe")
    with pytest.raises(ValueError, match=r"class 1; fitted classes: \['no', 'yes'\]"):
        sampler.sample(5, y=1)
