"""VAEOverSampler and its model: the mixed likelihood, training loop behaviour."""

import math

import numpy as np
import torch
from _helpers import mixed_frame, tiny
from sklearn.datasets import make_classification

from dgm_resample import Span, TabularEncoder, VAEOverSampler
from dgm_resample._training import make_generator
from dgm_resample.nn import ConditionalVAE, MixedLikelihood


def test_mixed_likelihood_matches_the_distributions_by_hand():
    spans = [Span(0, 1, "numeric"), Span(1, 1, "binary"), Span(2, 3, "categorical")]
    likelihood = MixedLikelihood(spans)
    with torch.no_grad():
        likelihood.log_scale.fill_(math.log(2.0))
    params = torch.tensor([[0.5, 0.3, 1.0, 2.0, 0.0]])
    x = torch.tensor([[1.5, 1.0, 0.0, 1.0, 0.0]])
    gaussian = -torch.distributions.Normal(0.5, 2.0).log_prob(torch.tensor(1.5))
    bernoulli = -torch.distributions.Bernoulli(logits=torch.tensor(0.3)).log_prob(torch.tensor(1.0))
    categorical = -torch.log_softmax(torch.tensor([1.0, 2.0, 0.0]), 0)[1]
    expected = gaussian + bernoulli + categorical
    torch.testing.assert_close(likelihood.nll(params, x), expected.reshape(1))


def test_sampling_follows_the_decoder_probabilities():
    spans = [Span(0, 1, "binary"), Span(1, 3, "categorical")]
    likelihood = MixedLikelihood(spans)
    params = torch.tensor([[math.log(3.0), 0.0, math.log(2.0), -20.0]]).repeat(20000, 1)
    out = likelihood.sample(params, make_generator(0, "cpu"))
    assert abs(out[:, 0].mean().item() - 0.75) < 0.02
    freq = out[:, 1:].mean(0)
    torch.testing.assert_close(freq, torch.tensor([1 / 3, 2 / 3, 0.0]), atol=0.02, rtol=0)


def test_vae_learns_class_conditional_structure():
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(400, int), np.ones(100, int)]
    X = rng.normal(size=(500, 2)) + np.where(y[:, None] == 1, 4.0, 0.0)
    sampler = tiny(VAEOverSampler, max_steps=400, validation_fraction=None)
    X_res, y_res = sampler.fit_resample(X, y)
    new = X_res[len(X) :]
    assert np.abs(new.mean(0) - X[y == 1].mean(0)).max() < 0.6
    zeros = sampler.sample(300, y=0, random_state=1)
    assert np.abs(zeros.mean(0) - X[y == 0].mean(0)).max() < 0.6


def test_early_stopping_keeps_the_best_epoch():
    X, y = make_classification(n_samples=400, weights=[0.7], random_state=0)
    sampler = tiny(VAEOverSampler, max_steps=2000, patience=1, learning_rate=0.05)
    sampler.fit_resample(X, y)
    assert sampler.history_[-1]["step"] < 2000
    assert all("valid_loss" in record for record in sampler.history_)


def test_no_validation_trains_the_whole_budget():
    X, y = make_classification(n_samples=100, weights=[0.7], random_state=0)
    sampler = tiny(VAEOverSampler, max_steps=37, validation_fraction=None)
    sampler.fit_resample(X, y)
    assert sampler.history_[-1]["step"] == 37
    assert "valid_loss" not in sampler.history_[-1]


def test_verbose_shows_a_progress_bar_and_threads_are_restored(capsys):
    X, y = make_classification(n_samples=100, weights=[0.7], random_state=0)
    before = torch.get_num_threads()
    tiny(VAEOverSampler, verbose=1, n_threads=1).fit_resample(X, y)
    assert "VAEOverSampler" in capsys.readouterr().err
    assert torch.get_num_threads() == before


def test_model_hyperparameters_reach_the_model():
    frame, _ = mixed_frame()
    spans = TabularEncoder().fit(frame).spans_
    sampler = VAEOverSampler(latent_dim=3, hidden_dims=(8,), beta=0.5)
    model = sampler._build_model(spans, 2)
    assert isinstance(model, ConditionalVAE)
    assert model.latent_dim == 3 and model.beta == 0.5
    assert model.encoder[0].out_features == 8
