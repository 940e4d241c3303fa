"""Threads and progress output: what a fit does to the process it runs in."""

import pytest
import torch
from _helpers import SAMPLERS, tiny
from sklearn.datasets import make_classification

import dgm_resample._base as base
import dgm_resample._training as training
from dgm_resample import VAEOverSampler


@pytest.fixture
def two_threads():
    """The process runs with two torch threads (the suite's conftest sets one)."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("cls", SAMPLERS, ids=lambda c: c.__name__)
def test_one_thread_by_default_and_the_setting_is_restored(cls, two_threads, monkeypatch):
    assert cls().n_threads == 1
    seen = []
    fit_loop = base.fit_loop

    def recording(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return fit_loop(*args, **kwargs)

    monkeypatch.setattr(base, "fit_loop", recording)
    X, y = make_classification(n_samples=80, weights=[0.7], random_state=0)
    sampler = tiny(cls, max_steps=2)
    sampler.fit_resample(X, y)
    assert seen == [1] and torch.get_num_threads() == 2
    seen.clear()
    sampler.set_params(n_threads=None).fit_resample(X, y)  # None: the process's setting
    assert seen == [2] and torch.get_num_threads() == 2


def _fit(capsys, **params):
    X, y = make_classification(n_samples=80, weights=[0.7], random_state=0)
    sampler = tiny(VAEOverSampler, max_steps=20, validation_fraction=None, **params)
    sampler.fit_resample(X, y)
    return sampler, capsys.readouterr().err


def test_auto_progress_is_silent_for_short_fits(capsys):
    assert VAEOverSampler().verbose == "auto"
    _, err = _fit(capsys)
    assert "VAEOverSampler" not in err


def test_auto_progress_appears_once_a_fit_is_projected_to_be_long(capsys, monkeypatch):
    monkeypatch.setattr(training, "AUTO_PROGRESS_SECONDS", 0.0)
    _, err = _fit(capsys, verbose="auto")
    assert "VAEOverSampler" in err and "step" in err
    _, err = _fit(capsys, verbose=0)  # asked to be quiet: quiet
    assert err == ""
    _, err = _fit(capsys, verbose=True)
    assert "VAEOverSampler" in err


def test_large_draws_show_progress_per_chunk(capsys, monkeypatch):
    sampler, _ = _fit(capsys, verbose=0)
    monkeypatch.setattr(base, "GENERATION_CHUNK", 50)
    monkeypatch.setattr(training, "AUTO_PROGRESS_SECONDS", 0.0)
    rows = sampler.set_params(verbose="auto").sample(120, 1, random_state=0)
    err = capsys.readouterr().err
    assert len(rows) == 120 and "class 1" in err and "row" in err
    sampler.set_params(verbose=0).sample(120, 1, random_state=0)
    assert capsys.readouterr().err == ""


def test_progress_projection():
    progress = training.Progress(100, "work", "auto")
    progress.start -= 5.0  # five seconds for the first tenth: 50 s projected
    progress.update(10)
    assert progress.bar is not None and progress.bar.n == 10
    progress.close()
    quick = training.Progress(100, "work", "auto")
    quick.update(10)  # projected far below the threshold
    assert quick.bar is None
    assert training.Progress(100, "work", False).bar is None
