"""AutoregressiveOverSampler and its MADE model: exactness, ordering, robustness."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import torch
from _helpers import mixed_frame, random_rows, tiny

from dgm_resample import AutoregressiveOverSampler, Span, TabularEncoder
from dgm_resample._training import make_generator
from dgm_resample.nn.autoregressive import (
    AutoregressiveModel,
    MaskedLinear,
    _IncrementalPass,
    span_order,
)

MIXED_SPANS = [
    Span(0, 1, "numeric"),
    Span(1, 1, "binary"),
    Span(2, 3, "categorical"),
    Span(5, 1, "numeric"),
    Span(6, 1, "binary"),
    Span(7, 2, "categorical"),
    Span(9, 1, "numeric"),
]


#: model arguments of the tests (the model has no defaults)
MODEL = {"hidden_dims": (128, 128), "n_components": 5, "numeric_head": "mixture", "n_bins": 32}


def build(spans, n_classes=2, seed=0, **params):
    model = AutoregressiveModel(spans, n_classes, **{**MODEL, **params})
    return model.initialize(make_generator(seed, "cpu")).eval()


def test_discrete_spans_come_first_so_indicators_precede_their_values():
    # a numeric column followed by its missing indicator, as the encoder lays it out
    spans = [Span(0, 1, "numeric"), Span(1, 1, "binary"), Span(2, 2, "categorical")]
    assert span_order(spans) == [1, 2, 0]
    frame, _ = mixed_frame(n=100)
    encoder = TabularEncoder().fit(frame)
    position = {i: p for p, i in enumerate(span_order(encoder.spans_))}
    index = {s: i for i, s in enumerate(encoder.spans_)}
    checked = 0
    for column in encoder.columns_:
        if column.missing_span is not None and column.kind == "numeric":
            assert position[index[column.missing_span]] < position[index[column.span]]
            checked += 1
    assert checked == 1  # the "gappy" column


def test_masked_layers_are_linear_layers_with_fixed_masks():
    model = build(MIXED_SPANS)
    masked = [m for m in model.modules() if isinstance(m, MaskedLinear)]
    assert len(masked) == 4 and all(isinstance(m, torch.nn.Linear) for m in masked)
    assert all("mask" not in name for name in model.state_dict())


def test_autoregressive_property_holds_on_the_network():
    generator = make_generator(0, "cpu")
    model = build(MIXED_SPANS, hidden_dims=(32, 32))
    x = random_rows(MIXED_SPANS, 16, generator)
    cond = torch.tensor([0, 1] * 8)
    base = model(x, cond)
    order = model.order
    for position, index in enumerate(order):
        changed = random_rows(MIXED_SPANS, 16, generator)
        # keep the spans before ``index`` in the order, change this one and all later ones
        perturbed = changed.clone()
        for earlier in order[:position]:
            s = MIXED_SPANS[earlier]
            perturbed[:, s.start : s.stop] = x[:, s.start : s.stop]
        out = model(perturbed, cond)[:, model.span_outputs(index)]
        torch.testing.assert_close(out, base[:, model.span_outputs(index)], rtol=0, atol=0)
        if position > 0:  # and the output does depend on the earlier spans
            moved = model(changed, cond)[:, model.span_outputs(index)]
            assert not torch.allclose(moved, base[:, model.span_outputs(index)])
    # the label reaches every span's output, the first one included
    other = model(x, 1 - cond)
    for index in order:
        assert not torch.allclose(
            other[:, model.span_outputs(index)], base[:, model.span_outputs(index)]
        )


@pytest.mark.parametrize("hidden_dims", [(32,), (32, 32), (16, 24, 8)])
@pytest.mark.parametrize("numeric_head", ["mixture", "bins"])
@pytest.mark.parametrize("one_class", [False, True])
def test_sampling_pass_gives_the_conditionals_of_the_forward_pass(
    hidden_dims, numeric_head, one_class
):
    """Sampling computes each hidden unit once; its conditionals are the network's."""
    generator = make_generator(0, "cpu")
    model = build(MIXED_SPANS, hidden_dims=hidden_dims, numeric_head=numeric_head)
    x = random_rows(MIXED_SPANS, 64, generator)
    cond = torch.ones(64, dtype=torch.long) if one_class else torch.tensor([0, 1] * 32)
    with torch.no_grad():
        full = model(x, cond)
        network = _IncrementalPass(model, cond)
        for index in model.order:
            span = MIXED_SPANS[index]
            torch.testing.assert_close(
                network.outputs(index), full[:, model.span_outputs(index)], rtol=1e-5, atol=1e-5
            )
            network.advance(index, x[:, span.start : span.stop])


def test_discrete_probabilities_sum_to_one_over_all_outcomes():
    spans = [Span(0, 1, "binary"), Span(1, 3, "categorical"), Span(4, 1, "binary")]
    model = build(spans, hidden_dims=(16,))
    rows = []
    for a, level, b in itertools.product([0, 1], range(3), [0, 1]):
        row = [float(a), 0.0, 0.0, 0.0, float(b)]
        row[1 + level] = 1.0
        rows.append(row)
    x = torch.tensor(rows)
    for label in (0, 1):
        with torch.no_grad():
            log_p = model.log_prob(x, torch.full((len(x),), label))
        torch.testing.assert_close(log_p.exp().sum(), torch.tensor(1.0))


def test_numeric_density_integrates_to_one_and_matches_the_mixture():
    model = build([Span(0, 1, "numeric")], n_components=3)
    grid = torch.linspace(-12, 12, 20001).unsqueeze(1)
    with torch.no_grad():
        log_p = model.log_prob(grid, torch.zeros(len(grid), dtype=torch.long))
        params = model(grid[:1], torch.zeros(1, dtype=torch.long))[0]
        log_w, means, log_scales = model._mixture(params)
    mass = torch.trapezoid(log_p.exp(), grid[:, 0])
    assert abs(float(mass) - 1.0) < 1e-3
    mixture = torch.distributions.MixtureSameFamily(
        torch.distributions.Categorical(logits=log_w),
        torch.distributions.Normal(means, log_scales.exp()),
    )
    torch.testing.assert_close(log_p[:5], mixture.log_prob(grid[:5, 0]))


def test_bin_density_integrates_to_one_and_is_the_restricted_normal():
    model = build([Span(0, 1, "numeric")], numeric_head="bins", n_bins=8)
    grid = torch.linspace(-12, 12, 40001).unsqueeze(1)
    cond = torch.zeros(len(grid), dtype=torch.long)
    with torch.no_grad():
        log_p = model.log_prob(grid, cond)
        log_w = torch.log_softmax(model(grid[:1], cond[:1])[0], dim=-1)
    assert abs(float(torch.trapezoid(log_p.exp(), grid[:, 0])) - 1.0) < 1e-3
    # each bin holds 1/8 of the standard normal's mass and the weight w_b of the head
    edges = torch.special.ndtri(torch.arange(1, 8) / 8.0)
    bins = torch.bucketize(grid[:, 0], edges)
    normal = torch.distributions.Normal(0.0, 1.0).log_prob(grid[:, 0])
    torch.testing.assert_close(log_p, log_w[bins] + math.log(8) + normal)


def test_bins_start_at_the_class_frequencies_and_sampling_follows_them():
    model = build([Span(0, 1, "numeric")], n_classes=2, numeric_head="bins", n_bins=4)
    # class 0 in bins 0 and 3, class 1 in bin 2 (bin edges -0.674, 0, 0.674)
    x = torch.tensor([[-2.0], [-1.0], [2.0], [0.3], [0.5], [0.4]])
    cond = torch.tensor([0, 0, 0, 1, 1, 1])
    model.initialize_from_data(x, cond)
    with torch.no_grad():
        weights = torch.softmax(model(torch.zeros(2, 1), torch.tensor([0, 1])), dim=-1)
    # smoothed frequencies (count + 0.5) / (n + 0.5 * n_bins)
    torch.testing.assert_close(weights[0], torch.tensor([2.5, 0.5, 0.5, 1.5]) / 5)
    torch.testing.assert_close(weights[1], torch.tensor([0.5, 0.5, 3.5, 0.5]) / 5)
    generator = make_generator(0, "cpu")
    with torch.no_grad():
        z = model.sample(20000, torch.ones(20000, dtype=torch.long), generator, temperature=1.0)
        z = z[:, 0]
        share = torch.bincount(model._bin_index(z), minlength=4) / 20000.0
        # temperature 0.25: weights ** 4, the modal bin takes almost all rows
        cold = model.sample(20000, torch.ones(20000, dtype=torch.long), generator, temperature=0.25)
        cold = cold[:, 0]
    torch.testing.assert_close(share, weights[1], atol=0.015, rtol=0)
    # inside a bin the values follow the restricted standard normal
    inside = z[(z > 0) & (z < 0.6745)]
    assert abs(float(inside.mean()) - 0.3247) < 0.01
    assert float(((cold > 0) & (cold < 0.6745)).float().mean()) > 0.99


def test_loss_is_the_mean_negative_log_likelihood():
    model = build(MIXED_SPANS)
    x = random_rows(MIXED_SPANS, 10, make_generator(1, "cpu"))
    cond = torch.zeros(10, dtype=torch.long)
    with torch.no_grad():
        torch.testing.assert_close(model.loss(x, cond), -model.log_prob(x, cond).mean())


def test_sampling_follows_the_learned_conditionals():
    # class 1: a categorical level decides the sign of the numeric column
    rng = np.random.default_rng(0)
    n = 600
    y = np.r_[np.zeros(n // 2, int), np.ones(n // 2, int)]
    level = rng.choice(["a", "b"], n, p=[0.3, 0.7])
    value = np.where(level == "a", -3.0, 3.0) + 0.3 * rng.normal(size=n)
    value = np.where(y == 0, rng.normal(size=n), value)
    frame = pd.DataFrame({"value": value, "level": pd.Categorical(level)})
    sampler = tiny(
        AutoregressiveOverSampler,
        max_steps=300,
        learning_rate=3e-3,
        validation_fraction=None,
        hidden_dims=(64, 64),
    )
    sampler.fit_resample(frame, y)
    new = sampler.sample(2000, y=1, random_state=0)
    share_a = float((new["level"] == "a").mean())
    assert abs(share_a - 0.3) < 0.06
    assert (new.loc[new["level"] == "a", "value"] < 0).mean() > 0.9
    assert (new.loc[new["level"] == "b", "value"] > 0).mean() > 0.9


@pytest.mark.parametrize(
    "validation_fraction, numeric_head", [(None, "mixture"), (0.2, "mixture"), (None, "bins")]
)
def test_degenerate_columns_train_and_sample_finite_values(validation_fraction, numeric_head):
    rng = np.random.default_rng(2)
    n = 300
    y = (rng.random(n) < 0.2).astype(int)
    frame = pd.DataFrame(
        {
            "constant": np.full(n, 7.5),
            "cauchy": rng.standard_cauchy(n) * 1e3,
            "huge": rng.normal(size=n) * 1e9 + 3e9 * y,
            "normal": rng.normal(size=n),
        }
    )
    sampler = tiny(
        AutoregressiveOverSampler,
        max_steps=150,
        learning_rate=5e-3,
        validation_fraction=validation_fraction,
        numeric_head=numeric_head,
    )
    X_res, y_res = sampler.fit_resample(frame, y)
    assert all(np.isfinite(r["train_loss"]) for r in sampler.history_)
    new = X_res.iloc[n:]
    assert len(new) == (y == 0).sum() - (y == 1).sum()
    assert np.isfinite(new.to_numpy(dtype=float)).all()
    assert (new["constant"] == 7.5).all()
    assert new["huge"].abs().max() <= frame["huge"].abs().max()
    # the encoded samples respect the clamp and the scores are finite
    model = sampler.models_[1]
    z = model.sample(
        500, torch.ones(500, dtype=torch.long), make_generator(0, "cpu"), temperature=1.0
    )
    assert torch.isfinite(z).all() and z.abs().max() <= 10
    assert np.isfinite(sampler.score_samples(frame, y)).all()


def test_extreme_inputs_stay_finite_in_the_model():
    spans = [Span(0, 1, "numeric"), Span(1, 1, "numeric")]
    model = build(spans)
    x = torch.tensor([[1e9, -1e9], [0.0, 0.0], [5.2, -5.2]])
    cond = torch.zeros(3, dtype=torch.long)
    model.train()
    loss = model.loss(x, cond)
    loss.backward()
    assert torch.isfinite(loss)
    assert all(torch.isfinite(p.grad).all() for p in model.parameters())


def test_mixed_frame_round_trip_reproducibility_and_global_rng():
    frame, y = mixed_frame(n=240)
    torch_state, np_state = torch.random.get_rng_state(), np.random.get_state()
    a = tiny(AutoregressiveOverSampler, max_steps=60)
    X_a, y_a = a.fit_resample(frame, y)
    X_b, y_b = tiny(AutoregressiveOverSampler, max_steps=60).fit_resample(frame, y)
    assert torch.equal(torch_state, torch.random.get_rng_state())
    assert np.array_equal(np_state[1], np.random.get_state()[1])
    pd.testing.assert_frame_equal(X_a, X_b)
    np.testing.assert_array_equal(y_a, y_b)
    new = X_a.iloc[len(frame) :]
    assert list(X_a.dtypes) == list(frame.dtypes)
    assert set(new["color"].unique()) <= set(frame["color"].cat.categories)
    assert new["count"].between(frame["count"].min(), frame["count"].max()).all()
    assert set(new["city"].unique()) <= {"paris", "oslo"}
    assert 0.05 < new["gappy"].isna().mean() < 0.5
    different = tiny(AutoregressiveOverSampler, max_steps=60, random_state=1).fit_resample(frame, y)
    assert not X_a.equals(different[0])


def test_model_hyperparameters_reach_the_model():
    frame, _ = mixed_frame()
    spans = TabularEncoder().fit(frame).spans_
    sampler = AutoregressiveOverSampler(hidden_dims=(8, 12), n_components=2)
    model = sampler._build_model(spans, 3)
    assert isinstance(model, AutoregressiveModel)
    assert [layer.out_features for layer in model.hidden] == [8, 12]
    assert model.n_components == 2 and model.output_label.num_embeddings == 3
    n_numeric = sum(s.kind == "numeric" for s in spans)
    n_out = 3 * 2 * n_numeric + sum(s.width for s in spans if s.kind != "numeric")
    assert model.n_out == n_out
    assert math.isclose(model.min_log_scale, -7.0)
    binned = AutoregressiveOverSampler(numeric_head="bins", n_bins=7)._build_model(spans, 3)
    assert binned.numeric_head == "bins" and binned.n_bins == 7
    assert binned.n_out == 7 * n_numeric + sum(s.width for s in spans if s.kind != "numeric")


def test_rare_binary_level_of_each_class_keeps_its_frequency():
    # The first span of the order sees only the output bias and the class
    # vector; from a random start Adam would leave its probability near 1/2.
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(400, int), np.ones(40, int)]
    flag = np.where(y == 0, rng.random(440) < 0.5, rng.random(440) < 0.03).astype(float)
    X = np.c_[flag, rng.normal(size=440) + 2 * y]
    sampler = tiny(AutoregressiveOverSampler, max_steps=20, validation_fraction=None)
    sampler.fit_resample(X, y)
    assert sampler.encoder_.spans_[0].kind == "binary"
    minority = sampler.sample(2000, y=1, random_state=0)[:, 0]
    majority = sampler.sample(2000, y=0, random_state=0)[:, 0]
    assert minority.mean() < 0.1
    assert abs(majority.mean() - 0.5) < 0.1


def test_output_class_vectors_start_at_each_class_marginal():
    spans = [Span(0, 1, "binary"), Span(1, 1, "numeric")]
    model = build(spans, n_classes=2)
    x = torch.tensor([[1.0, -2.0], [1.0, -1.0], [0.0, 3.0], [0.0, 5.0], [0.0, 4.0]])
    cond = torch.tensor([0, 0, 1, 1, 1])
    model.initialize_from_data(x, cond)
    with torch.no_grad():
        out = model(torch.zeros(2, 2), torch.tensor([0, 1]))
        p_one = torch.sigmoid(out[:, model.span_outputs(0)][:, 0])
        log_w, means, _ = model._mixture(out[:, model.span_outputs(1)])
    torch.testing.assert_close(model.output.bias, torch.zeros_like(model.output.bias))
    # smoothed frequencies (count + 0.5) / (n + 1) of the level 1 per class
    torch.testing.assert_close(p_one, torch.tensor([2.5 / 3, 0.5 / 4]))
    # the numeric span also sees the binary input and hidden units (random
    # weights), so only the order of the two class means is checked
    mixture_mean = (log_w.exp() * means).sum(-1)
    assert mixture_mean[0] < 0 < mixture_mean[1]
