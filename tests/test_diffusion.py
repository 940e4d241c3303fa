"""DiffusionOverSampler and its model: masked + Gaussian diffusion, guidance, EMA."""

import pickle

import numpy as np
import pandas as pd
import torch
from _helpers import mixed_frame, tiny

from dgm_resample import TabularEncoder
from dgm_resample._diffusion import DiffusionOverSampler
from dgm_resample._training import make_generator
from dgm_resample.nn.diffusion import TabularDiffusion, cosine_alpha_bar

SMALL = {"hidden_dims": (32, 32), "n_sampling_steps": 10, "n_threads": 1}


def small(**params):
    return tiny(DiffusionOverSampler, **{**SMALL, **params})


#: model arguments of the tests (the model has no defaults)
MODEL = {
    "hidden_dims": (256, 256, 256),
    "n_timesteps": 1000,
    "label_dropout": 0.1,
    "discrete_weight": 1.0,
    "ema_decay": 0.995,
}


def diffusion(spans, n_classes, **params):
    return TabularDiffusion(spans, n_classes, **{**MODEL, **params})


def two_blobs(n0=300, n1=150, gap=3.0, seed=0):
    rng = np.random.default_rng(seed)
    y = np.r_[np.zeros(n0, int), np.ones(n1, int)]
    X = rng.normal(size=(n0 + n1, 2)) + np.where(y[:, None] == 1, gap, 0.0)
    return X, y


def encoded_toy(n=200, seed=1):
    frame, y = mixed_frame(n=n, seed=seed)
    encoder = TabularEncoder(random_state=0).fit(frame)
    x = torch.as_tensor(encoder.transform(frame))
    return encoder.spans_, x, torch.as_tensor(y, dtype=torch.long)


def test_schedule_is_monotone_from_one_to_almost_zero():
    ab = cosine_alpha_bar(100)
    assert ab[0] == 1.0 and ab[-1] < 1e-3
    assert (ab[1:] <= ab[:-1]).all()


def test_sampling_steps_are_independent_of_training_timesteps():
    spans, x, cond = encoded_toy()
    model = diffusion(spans, 2, hidden_dims=(16,), n_timesteps=100)
    model.initialize(make_generator(0, "cpu"))
    assert model.sampling_schedule(5) == [100, 80, 60, 40, 20, 0]
    calls = []
    model.denoiser.register_forward_hook(lambda *args: calls.append(1))
    settings = {"n_sampling_steps": 5, "guidance_scale": 1.0, "eta": 0.0}
    out = model.sample(7, torch.ones(7, dtype=torch.long), make_generator(0, "cpu"), **settings)
    assert len(calls) == 5 and out.shape == (7, x.shape[1])
    # more steps than the schedule: capped at n_timesteps
    assert len(model.sampling_schedule(500)) == 101


def test_guided_denoiser_matches_two_plain_passes():
    """A shared time entry and the guided output equal the per-row, two-pass computation."""
    spans, x, cond = encoded_toy(n=50)
    model = diffusion(spans, 2, hidden_dims=(16, 16))
    model.initialize(make_generator(0, "cpu"))
    net = model.denoiser
    inputs = torch.randn((50, x.shape[1] + model.n_vars), generator=make_generator(1, "cpu"))
    per_row = torch.full((50,), 0.3)
    conditional = net(inputs, per_row, cond)
    unconditional = net(inputs, per_row, torch.full_like(cond, 2))
    torch.testing.assert_close(net(inputs, torch.full((1,), 0.3), cond), conditional)
    expected = conditional + 1.5 * (conditional - unconditional)
    torch.testing.assert_close(net(inputs, torch.full((1,), 0.3), cond, 1.5), expected)
    # the weight average takes the same arguments
    torch.testing.assert_close(model.ema(inputs, torch.full((1,), 0.3), cond, 1.5), expected)


def test_categorical_and_binary_outputs_are_valid_one_hot_with_guidance():
    spans, x, _ = encoded_toy()
    model = diffusion(spans, 2, hidden_dims=(16,))
    model.initialize(make_generator(0, "cpu"))
    settings = {"n_sampling_steps": 7, "guidance_scale": 3.0, "eta": 0.0}
    out = model.sample(50, torch.zeros(50, dtype=torch.long), make_generator(1, "cpu"), **settings)
    assert torch.isfinite(out).all()
    for span in spans:
        block = out[:, span.start : span.stop]
        if span.kind == "categorical":
            assert torch.equal(block.sum(1), torch.ones(50))
            assert set(block.unique().tolist()) <= {0.0, 1.0}
        elif span.kind == "binary":
            assert set(block.unique().tolist()) <= {0.0, 1.0}
        else:
            assert block.abs().max() <= 6.0


def test_ema_weights_follow_training_and_live_in_the_state_dict():
    spans, x, cond = encoded_toy()
    model = diffusion(spans, 2, hidden_dims=(16,), ema_decay=0.9)
    model.initialize(make_generator(0, "cpu"))
    (optimizer,) = model.configure_optimizers(1e-2)
    optimized = {id(p) for group in optimizer.param_groups for p in group["params"]}
    assert not any(id(p) in optimized for p in model.ema.averages().values())
    before = model.ema.averages()["proj.weight"].clone()
    generator = make_generator(0, "cpu")
    for _ in range(5):
        model.train_step(x[:64], cond[:64], [optimizer], generator)
    assert int(model.ema.n_updates) == 5
    ema, live = model.ema.averages()["proj.weight"], model.denoiser.proj.weight
    assert not torch.equal(ema, before) and not torch.equal(ema, live)
    assert any(key.startswith("ema.") for key in model.state_dict())
    clone = pickle.loads(pickle.dumps(model))
    assert torch.equal(clone.ema.averages()["proj.weight"], ema)


def test_numeric_only_and_discrete_only_tables():
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(80, int), np.ones(40, int)]
    numeric = rng.normal(size=(120, 3))
    X_res, _ = small(max_steps=20).fit_resample(numeric, y)
    assert np.isfinite(X_res).all() and len(X_res) == 160
    frame = pd.DataFrame(
        {"a": rng.choice(["x", "y", "z"], 120).astype(object), "b": rng.random(120) > 0.5}
    )
    F_res, _ = small(max_steps=20).fit_resample(frame, y)
    assert set(F_res["a"]) <= {"x", "y", "z"} and F_res["b"].dtype == bool


def test_learns_the_class_conditional_means():
    X, y = two_blobs(gap=4.0)
    sampler = small(
        max_steps=600,
        hidden_dims=(128, 128),
        n_sampling_steps=50,
        guidance_scale=0.0,
        validation_fraction=None,
    )
    X_res, _ = sampler.fit_resample(X, y)
    new = X_res[len(X) :]
    assert np.abs(new.mean(0) - X[y == 1].mean(0)).max() < 0.7
    zeros = sampler.sample(400, y=0, random_state=1)
    assert np.abs(zeros.mean(0) - X[y == 0].mean(0)).max() < 0.7
    assert (zeros.std(0) > 0.6).all() and (zeros.std(0) < 1.8).all()


def test_guidance_pushes_samples_away_from_the_other_class():
    X, y = two_blobs(gap=2.0, seed=2)
    sampler = small(
        max_steps=300, hidden_dims=(64, 64), label_dropout=0.2, validation_fraction=None
    )
    sampler.fit_resample(X, y)
    means = []
    for scale in [0.0, 2.0, 5.0]:
        # a sampling setting: applies to the fitted model without refitting
        sampler.set_params(guidance_scale=scale)
        means.append(sampler.sample(400, y=1, random_state=3).mean())
    # class 1 lies at +2 from class 0: stronger guidance moves its rows further out
    assert means[0] < means[1] < means[2]
    assert means[2] - means[0] > 0.15


def test_reproducible_without_touching_global_rng():
    frame, y = mixed_frame(n=200)
    torch_state, np_state = torch.random.get_rng_state(), np.random.get_state()
    a, _ = small(max_steps=20, random_state=5, guidance_scale=1.0).fit_resample(frame, y)
    b, _ = small(max_steps=20, random_state=5, guidance_scale=1.0).fit_resample(frame, y)
    pd.testing.assert_frame_equal(a, b)
    c, _ = small(max_steps=20, random_state=6, guidance_scale=1.0).fit_resample(frame, y)
    assert not a.equals(c)
    assert torch.equal(torch.random.get_rng_state(), torch_state)
    after = np.random.get_state()
    assert after[0] == np_state[0] and np.array_equal(after[1], np_state[1])


def test_validation_uses_fixed_noise_and_pickle_round_trip():
    frame, y = mixed_frame(n=300)
    sampler = small(max_steps=40, validation_fraction=0.2, patience=None)
    sampler.fit_resample(frame, y)
    assert all(np.isfinite(record["valid_loss"]) for record in sampler.history_)
    clone = pickle.loads(pickle.dumps(sampler))
    pd.testing.assert_frame_equal(
        sampler.sample(30, y=1, random_state=0), clone.sample(30, y=1, random_state=0)
    )


def test_model_hyperparameters_reach_the_model():
    frame, _ = mixed_frame()
    spans = TabularEncoder().fit(frame).spans_
    sampler = DiffusionOverSampler(
        hidden_dims=(8, 8),
        n_timesteps=50,
        n_sampling_steps=4,
        guidance_scale=1.5,
        label_dropout=0.3,
        discrete_weight=2.0,
        ema_decay=0.9,
        eta=0.3,
    )
    model = sampler._build_model(spans, 3)
    assert isinstance(model, TabularDiffusion)
    assert model.n_timesteps == 50 and model.label_dropout == 0.3
    assert (model.discrete_weight, model.ema_decay) == (2.0, 0.9)
    # the sampling settings are passed to every draw, not stored on the model
    settings = sampler._sampling_settings()
    assert settings == {"n_sampling_steps": 4, "guidance_scale": 1.5, "eta": 0.3}
    assert model.denoiser.label.num_embeddings == 4  # 3 classes + the null label
    assert model.denoiser.proj.out_features == 8


def test_eta_adds_fresh_noise_to_the_numeric_steps():
    X, y = two_blobs(gap=2.0, seed=4)
    sampler = small(max_steps=150, hidden_dims=(64, 64), eta=0.0, guidance_scale=0.0)
    sampler.fit_resample(X, y)
    deterministic = sampler.sample(500, y=1, random_state=2)
    sampler.set_params(eta=1.0)  # a sampling setting: no refit
    ancestral = sampler.sample(500, y=1, random_state=2)
    assert np.isfinite(ancestral).all()
    assert not np.allclose(deterministic, ancestral)
    # both samplers target the same distribution: the class mean is kept
    assert np.abs(ancestral.mean(0) - deterministic.mean(0)).max() < 0.5
    np.testing.assert_array_equal(ancestral, sampler.sample(500, y=1, random_state=2))
    # with a single step there is no intermediate step to add noise to
    sampler.set_params(n_sampling_steps=1)
    one_step = sampler.sample(50, y=1, random_state=2)
    sampler.set_params(eta=0.0)
    np.testing.assert_array_equal(one_step, sampler.sample(50, y=1, random_state=2))
