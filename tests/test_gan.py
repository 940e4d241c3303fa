"""GANOverSampler and its conditional WGAN-GP model."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from _helpers import mixed_frame, tiny
from sklearn.datasets import make_classification

from dgm_resample import GANOverSampler, Span, TabularEncoder
from dgm_resample._training import TrainConfig, evaluate, fit_loop, make_generator
from dgm_resample.nn.gan import NUMERIC_BOUND, ConditionalWGAN, rbf_mmd

SPANS = [
    Span(0, 1, "numeric"),
    Span(1, 1, "binary"),
    Span(2, 3, "categorical"),
    Span(5, 1, "numeric"),
]


#: model arguments of the tests (the model has no defaults)
MODEL = {
    "noise_dim": 64,
    "generator_dims": (256, 256),
    "critic_dims": (128, 128),
    "pac": 8,
    "n_critic": 2,
    "gp_weight": 10.0,
    "aux_weight": 1.0,
    "temperature": 0.2,
    "ema_decay": 0.995,
    "mmd_weight": 0.0,
}


def gan(spans, n_classes, **params):
    return ConditionalWGAN(spans, n_classes, **{**MODEL, **params})


def train_config(**settings):
    return TrainConfig(patience=None, verbose=False, description="test", **settings)


def small_model(**params):
    settings = {"noise_dim": 8, "generator_dims": (16,), "critic_dims": (16,), "pac": 4}
    settings.update(params)
    return gan(SPANS, 2, **settings).initialize(make_generator(0, "cpu"))


def toy_batch(n=40, seed=0):
    g = make_generator(seed, "cpu")
    x = torch.zeros(n, 6)
    x[:, 0] = torch.randn(n, generator=g)
    x[:, 1] = (torch.rand(n, generator=g) < 0.5).float()
    x[torch.arange(n), 2 + torch.randint(3, (n,), generator=g)] = 1.0
    x[:, 5] = torch.randn(n, generator=g)
    return x, torch.arange(n) % 2


# ------------------------------------------------------------------ model
def test_output_layer_follows_the_spans():
    model = small_model()
    with torch.no_grad():  # huge pre-activations must stay bounded and finite
        model.generator[-1].bias.fill_(1e6)
    out = model.sample(
        200, torch.ones(200, dtype=torch.long), make_generator(1, "cpu"), noise_scale=1.0
    )
    assert torch.isfinite(out).all()
    assert out[:, [0, 5]].abs().max() <= NUMERIC_BOUND
    assert set(out[:, 1].unique().tolist()) <= {0.0, 1.0}
    assert torch.equal(out[:, 2:5].sum(1), torch.ones(200))
    soft = small_model()._fake(torch.zeros(50, dtype=torch.long), make_generator(2, "cpu"))
    # training outputs are relaxed: strictly inside (0, 1) and summing to 1 per block
    assert ((soft[:, 1] > 0) & (soft[:, 1] < 1)).any()
    torch.testing.assert_close(soft[:, 2:5].sum(1), torch.ones(50))


def _labelled_rows(x, cond):
    return {(*row, label) for row, label in zip(x.tolist(), cond.tolist())}


@pytest.mark.parametrize("batch", [1, 7, 33, 64])
def test_any_batch_size_trains_with_packing(batch):
    model = small_model(pac=8)
    optimizers = model.configure_optimizers(1e-3)
    x, cond = toy_batch(batch)
    padded, padded_cond = model._pad(x, cond, make_generator(0, "cpu"))
    assert len(padded) % 8 == 0 and len(padded) >= batch
    # every row of the batch is kept with its label; extra rows are re-drawn from it
    assert _labelled_rows(padded, padded_cond) == _labelled_rows(x, cond)
    assert padded_cond.tolist() == sorted(padded_cond.tolist())  # ordered by class
    distance = model.train_step(x, cond, optimizers, make_generator(0, "cpu"))
    assert torch.isfinite(distance)


def test_packs_hold_rows_of_one_class():
    model = small_model(pac=4)
    x, cond = toy_batch(64)
    _, padded_cond = model._pad(x, cond, make_generator(0, "cpu"))
    packs = padded_cond.reshape(-1, 4)
    mixed = (packs != packs[:, :1]).any(dim=1)
    assert int(mixed.sum()) <= 1  # two classes: at most one pack at the boundary
    model.sort_packs = False  # the unsorted batch keeps its drawn order
    padded, _ = model._pad(x, cond, make_generator(0, "cpu"))
    assert torch.equal(padded, x)


def test_train_step_gives_every_parameter_a_gradient():
    # no single loss: the critic, the classifier and the generator each get
    # their own updates, and the generator's loss reaches all three
    model = small_model()
    x, cond = toy_batch(32)
    model.train_step(x, cond, model.configure_optimizers(1e-3), make_generator(0, "cpu"))
    missing = [
        name
        for name, p in model.named_parameters()
        if p.grad is None or not torch.isfinite(p.grad).all()
    ]
    assert model.classifier is not None and not missing, missing


def test_ema_weights_are_buffers_that_follow_the_generator():
    model = small_model(ema_decay=0.9)
    before = {k: v.clone() for k, v in model.ema.averages().items()}
    assert all(torch.equal(before[n], p) for n, p in model.generator.named_parameters())
    optimizers = model.configure_optimizers(1e-2)
    x, cond = toy_batch(32)
    generator = make_generator(0, "cpu")
    for _ in range(20):
        model.train_step(x, cond, optimizers, generator)
    state = model.state_dict()
    assert any(key.startswith("ema.avg_") for key in state) and int(state["ema.n_updates"]) == 20
    names = [n for n, _ in model.generator.named_parameters()]
    averages = model.ema.averages()
    # the average moved away from the initial weights but lags the live weights
    assert any(not torch.equal(averages[n], before[n]) for n in names)
    assert any(not torch.equal(averages[n], p) for n, p in model.generator.named_parameters())
    ema_ids = {id(t) for t in averages.values()}
    assert not ema_ids & {id(p) for p in model.parameters()}


def test_sampling_uses_the_averaged_weights():
    model = small_model()
    cond = torch.zeros(10, dtype=torch.long)
    first = model.sample(10, cond, make_generator(3, "cpu"), noise_scale=1.0)
    with torch.no_grad():  # moving the live generator does not change samples
        for p in model.generator.parameters():
            p.add_(1.0)
    torch.testing.assert_close(
        model.sample(10, cond, make_generator(3, "cpu"), noise_scale=1.0), first
    )
    model.ema_decay = 0.0
    assert not torch.equal(model.sample(10, cond, make_generator(3, "cpu"), noise_scale=1.0), first)


def test_mmd_separates_shifted_distributions():
    g = make_generator(0, "cpu")
    a, b = torch.randn(300, 3, generator=g), torch.randn(300, 3, generator=g)
    same, shifted = float(rbf_mmd(a, b)), float(rbf_mmd(a, b + 1.5))
    assert abs(same) < 0.02
    assert shifted > 10 * max(abs(same), 1e-3)
    assert np.isfinite(float(rbf_mmd(a[:1], b)))  # one real row: fallback bandwidth


def test_generator_loss_adds_the_per_class_mmd():
    x, cond = toy_batch(n=48)
    plain, matched = small_model(), small_model(mmd_weight=2.0)
    matched.load_state_dict(plain.state_dict())
    fake = plain._fake(cond, make_generator(4, "cpu"))
    expected = (rbf_mmd(x[cond == 0], fake[cond == 0]) + rbf_mmd(x[cond == 1], fake[cond == 1])) / 2
    difference = matched._generator_loss(fake, cond, x) - plain._generator_loss(fake, cond, x)
    torch.testing.assert_close(difference, 2.0 * expected)
    # the term reaches the generator's weights
    matched._generator_loss(matched._fake(cond, make_generator(4, "cpu")), cond, x).backward()
    assert all(p.grad is not None for p in matched.generator.parameters())


def test_mmd_term_brings_generated_rows_closer_to_their_class():
    x, cond = toy_batch(n=160, seed=3)
    x[cond == 1, 0] += 3.0  # class 1's first numeric column sits 3 sd higher
    scores = {}
    for weight in (0.0, 20.0):
        model = small_model(mmd_weight=weight)
        config = train_config(max_steps=200, batch_size=32, learning_rate=1e-3)
        fit_loop(model, x, cond, None, None, config, make_generator(1, "cpu"), valid_seed=0)
        labels = torch.ones(400, dtype=torch.long)
        fake = model.sample(400, labels, make_generator(2, "cpu"), noise_scale=1.0)
        scores[weight] = float(rbf_mmd(x[cond == 1], fake))
    assert scores[20.0] < 0.5 * scores[0.0]


def test_sampling_temperature_scales_the_noise():
    model = small_model()
    cond = torch.zeros(300, dtype=torch.long)
    spread = {}
    for scale in (1.0, 0.05):
        out = model.sample(300, cond, make_generator(3, "cpu"), noise_scale=scale)
        spread[scale] = float(out[:, [0, 5]].std(0).mean())
    assert spread[0.05] < 0.2 * spread[1.0]
    # the sampler's parameter reaches the model at sampling time, without a refit
    X, y = make_classification(n_samples=200, weights=[0.8], random_state=0)
    sampler = tiny(GANOverSampler, max_steps=20)
    sampler.fit_resample(X, y)
    wide = sampler.sample(300, y=1, random_state=0)
    narrow = sampler.set_params(sampling_temperature=0.05).sample(300, y=1, random_state=0)
    assert not hasattr(sampler.models_[1], "noise_scale")  # passed to the draw, not stored
    assert narrow.std(0).mean() < 0.5 * wide.std(0).mean()


def test_no_classifier_for_a_single_class_or_zero_weight():
    assert gan(SPANS, 1).classifier is None
    assert gan(SPANS, 3, aux_weight=0.0).classifier is None
    assert gan(SPANS, 3).classifier is not None


def test_best_validated_weights_are_kept():
    frame, y = mixed_frame(n=300, seed=2)
    encoder = TabularEncoder(random_state=0).fit(frame)
    x = torch.as_tensor(encoder.transform(frame))
    cond = torch.as_tensor(y, dtype=torch.long)
    model = gan(encoder.spans_, 2, generator_dims=(32,), critic_dims=(32,))
    model.initialize(make_generator(0, "cpu"))
    config = train_config(max_steps=120, batch_size=32, learning_rate=1e-3)
    history = fit_loop(model, x, cond, x, cond, config, make_generator(1, "cpu"), valid_seed=5)
    scores = [record["valid_loss"] for record in history]
    assert len(scores) > 2 and min(scores) < scores[0]
    assert evaluate(model, x, cond, 5) == pytest.approx(min(scores), abs=1e-6)


# ---------------------------------------------------------------- sampler
def test_separated_classes_are_generated_near_their_own_class():
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(300, int), np.ones(60, int)]
    frame = pd.DataFrame(rng.normal(size=(360, 3)) + np.where(y[:, None] == 1, 4.0, 0.0))
    frame.columns = ["a", "b", "c"]
    frame["kind"] = pd.Categorical(np.where(y == 1, "one", rng.choice(["zero", "nil"], 360)))
    sampler = tiny(GANOverSampler, max_steps=150, batch_size=64, validation_fraction=None)
    X_res, y_res = sampler.fit_resample(frame, y)
    new = X_res.iloc[len(frame) :]
    means = [frame[y == k][["a", "b", "c"]].mean().to_numpy() for k in (0, 1)]
    centre = new[["a", "b", "c"]].mean().to_numpy()
    assert np.linalg.norm(centre - means[1]) < np.linalg.norm(centre - means[0])
    assert np.linalg.norm(centre - means[1]) < 1.5
    assert (new["kind"] == "one").mean() > 0.7
    zeros = sampler.sample(200, y=0, random_state=1)
    assert np.linalg.norm(zeros[["a", "b", "c"]].mean().to_numpy() - means[0]) < 1.5
    assert (zeros["kind"] == "one").mean() < 0.3


@pytest.mark.parametrize("batch_size", [7, 33])
def test_ten_row_class_and_odd_batch_sizes(batch_size):
    X, y = make_classification(n_samples=130, weights=[0.92], flip_y=0, random_state=0)
    keep = np.r_[np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:10]]
    X, y = X[keep], y[keep]
    assert (y == 1).sum() == 10
    sampler = tiny(GANOverSampler, max_steps=20, batch_size=batch_size)
    X_res, y_res = sampler.fit_resample(X, y)
    assert (y_res == 1).sum() == (y == 0).sum()
    assert np.isfinite(X_res).all()
    assert all("valid_loss" in record for record in sampler.history_)
    assert sampler.models_[1].pac == max(1, min(8, batch_size // 8))


def test_mixed_frame_round_trip_and_reproducibility():
    frame, y = mixed_frame(n=240, seed=3)
    torch_state, np_state = torch.random.get_rng_state(), np.random.get_state()
    sampler = tiny(GANOverSampler, max_steps=30)
    X_res, y_res = sampler.fit_resample(frame, y)
    again, _ = tiny(GANOverSampler, max_steps=30).fit_resample(frame, y)
    assert torch.equal(torch.random.get_rng_state(), torch_state)
    assert np.random.get_state()[1].tolist() == np_state[1].tolist()
    pd.testing.assert_frame_equal(X_res, again)
    assert list(X_res.dtypes) == list(frame.dtypes)
    new = X_res.iloc[len(frame) :]
    assert len(new) == (y == 0).sum() - (y == 1).sum()
    assert set(new["color"].cat.categories) == set(frame["color"].cat.categories)
    assert new["count"].between(frame["count"].min(), frame["count"].max()).all()
    assert 0.0 < new["gappy"].isna().mean() < 0.6


def test_multiclass_dict_strategy_pickle_and_sample():
    X, y = make_classification(
        n_samples=300, n_classes=3, n_informative=4, weights=[0.6, 0.3, 0.1], random_state=0
    )
    counts = np.bincount(y)
    strategy = {0: counts[0], 1: counts[1] + 5, 2: counts[2] + 40}
    sampler = tiny(GANOverSampler, max_steps=20, sampling_strategy=strategy)
    _, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [strategy[0], strategy[1], strategy[2]]
    clone = pickle.loads(pickle.dumps(sampler))
    a = sampler.sample(25, y=2, random_state=4)
    b = clone.sample(25, y=2, random_state=4)
    assert a.shape == (25, X.shape[1]) and np.array_equal(a, b)


def test_hyperparameters_reach_the_model():
    frame, _ = mixed_frame()
    spans = TabularEncoder().fit(frame).spans_
    sampler = GANOverSampler(
        noise_dim=5,
        generator_dims=(12,),
        critic_dims=(9, 7),
        pac=3,
        n_critic=2,
        gp_weight=1.0,
        aux_weight=0.5,
        gumbel_temperature=0.5,
        ema_decay=0.9,
        mmd_weight=3.0,
    )
    model = sampler._build_model(spans, 2)
    assert isinstance(model, ConditionalWGAN)
    assert (model.noise_dim, model.pac, model.n_critic) == (5, 3, 2)
    assert (model.gp_weight, model.aux_weight, model.temperature, model.ema_decay) == (
        1.0,
        0.5,
        0.5,
        0.9,
    )
    assert model.mmd_weight == 3.0
    assert model.generator[0].out_features == 12 and model.critic[0].out_features == 9
    assert model.critic[0].in_features == 3 * (model.layout.n_encoded + 2)
