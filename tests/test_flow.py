"""FlowOverSampler and its conditional flow: cells, dequantization, likelihood, robustness."""

import itertools

import numpy as np
import pandas as pd
import pytest
import torch
from _helpers import mixed_frame, random_rows, tiny

from dgm_resample import FlowOverSampler, Span, TabularEncoder
from dgm_resample._training import make_generator
from dgm_resample.nn.flow import PASSES, ConditionalFlow, transform_orders

MIXED_SPANS = [
    Span(0, 1, "numeric"),
    Span(1, 1, "binary"),
    Span(2, 3, "categorical"),
    Span(5, 1, "numeric"),
    Span(6, 1, "binary"),
    Span(7, 2, "categorical"),
    Span(9, 1, "categorical"),  # a single-level column
    Span(10, 4, "categorical"),
]
DISCRETE_SPANS = [Span(0, 1, "binary"), Span(1, 3, "categorical"), Span(4, 1, "binary")]


#: model arguments of the tests (the model has no defaults)
MODEL = {"n_transforms": 3, "hidden_dims": (64, 64), "transform_type": "affine", "n_bins": 8}


def build(spans, n_classes=2, seed=0, **params):
    model = ConditionalFlow(spans, n_classes, **{**MODEL, **params})
    return model.initialize(make_generator(seed, "cpu")).eval()


def shuffle_offsets(model, seed=3):
    """Move the dequantizer away from its zero initialization."""
    with torch.no_grad():
        model.dequant.weight.normal_(generator=make_generator(seed, "cpu"))
    return model


def all_discrete_rows():
    rows = []
    for a, level, b in itertools.product([0, 1], range(3), [0, 1]):
        row = [float(a), 0.0, 0.0, 0.0, float(b)]
        row[1 + level] = 1.0
        rows.append(row)
    return torch.tensor(rows)


# ---------------------------------------------------------------- the model
def test_transform_orders_alternate_discrete_first_and_numeric_first():
    orders = transform_orders(3, 8, 5)  # coordinates 0-2 numeric, 3-7 discrete
    assert len(orders) == 5
    for i, rank in enumerate(orders):
        assert sorted(rank.tolist()) == list(range(8))
        first = set(range(3, 8)) if i % 2 == 0 else set(range(3))
        assert set(torch.argsort(rank)[: len(first)].tolist()) == first
    assert not torch.equal(orders[0], orders[2])  # fresh permutations
    assert all(torch.equal(a, b) for a, b in zip(orders, transform_orders(3, 8, 5)))
    # zuko's groups: numeric coordinates come after the discrete ones, then before
    model = build(MIXED_SPANS)
    first, second = model.flow.transform.transforms[:2]
    assert first.passes == second.passes == PASSES
    numeric, discrete = slice(0, model.n_numeric), slice(model.n_numeric, None)
    assert first.order[discrete].max() <= first.order[numeric].min()
    assert second.order[numeric].max() <= second.order[discrete].min()


def test_flow_coordinates_follow_the_spans():
    model = build(MIXED_SPANS)
    # 2 numeric + 2 binary + (3 - 1) + (2 - 1) + (4 - 1) stick-breaking coordinates
    assert (model.n_numeric, model.n_discrete, model.n_flow) == (2, 8, 10)
    assert model.const_x.tolist() == [9]
    # a table of single-level columns still has one (free) coordinate to sample
    constant = build([Span(0, 1, "categorical"), Span(1, 1, "categorical")])
    assert constant.n_flow == 1
    out = constant.sample(
        4, torch.zeros(4, dtype=torch.long), make_generator(0, "cpu"), temperature=1.0
    )
    assert torch.equal(out, torch.ones(4, 2))


def test_dequantized_rows_lie_in_their_cells_and_decode_back():
    model = shuffle_offsets(build(MIXED_SPANS))
    x = random_rows(MIXED_SPANS, 400, make_generator(1, "cpu"))
    x[:, 9] = 1.0
    cond = torch.arange(400) % 2
    with torch.no_grad():
        z, log_q = model._dequantize(x, cond, make_generator(2, "cpu"), noise=False)
    assert z.shape == (400, model.n_flow)
    assert torch.isfinite(z).all() and torch.isfinite(log_q).all()
    torch.testing.assert_close(z[:, :2], x[:, [0, 5]])  # numeric values unchanged
    assert torch.equal(z[:, 2] >= 0, x[:, 1] == 1) and torch.equal(z[:, 3] >= 0, x[:, 6] == 1)
    assert torch.equal(model.decode(z), x)


def test_discrete_probabilities_sum_to_one_and_match_the_sampler():
    model = shuffle_offsets(build(DISCRETE_SPANS, n_classes=1, hidden_dims=(16,)))
    x = all_discrete_rows()
    cond = torch.zeros(len(x), dtype=torch.long)
    with torch.no_grad():
        p = model.log_prob(x, cond, n_draws=20000).exp()
        one_draw = model.log_prob(x, cond, n_draws=1)
    # the cells tile the space: the probabilities of all outcomes sum to one
    assert abs(float(p.sum()) - 1.0) < 0.02
    assert float(one_draw.mean()) < float(p.log().mean())  # one draw: a looser bound
    samples = model.sample(
        50_000, torch.zeros(50_000, dtype=torch.long), make_generator(4, "cpu"), temperature=1.0
    )
    frequency = torch.stack([(samples == row).all(1).float().mean() for row in x])
    assert float(frequency.sum()) == pytest.approx(1.0)
    torch.testing.assert_close(frequency, p, atol=0.01, rtol=0)


@pytest.mark.parametrize("transform_type", ["affine", "spline"])
def test_numeric_density_is_exact_and_integrates_to_one(transform_type):
    model = build([Span(0, 1, "numeric")], transform_type=transform_type)
    grid = torch.linspace(-12, 12, 20001).unsqueeze(1)
    cond = torch.zeros(len(grid), dtype=torch.long)
    with torch.no_grad():
        log_p = model.log_prob(grid, cond)
        other = model.log_prob(grid, cond, generator=make_generator(9, "cpu"), n_draws=5)
    torch.testing.assert_close(log_p, other, rtol=0, atol=0)  # no dequantization noise
    assert abs(float(torch.trapezoid(log_p.exp(), grid[:, 0])) - 1.0) < 1e-3


def test_loss_is_the_negative_one_draw_bound():
    model = build(MIXED_SPANS)
    model.numeric_noise = 0.0
    x = random_rows(MIXED_SPANS, 32, make_generator(1, "cpu"))
    cond = torch.zeros(32, dtype=torch.long)
    with torch.no_grad():
        loss = model.loss(x, cond, generator=make_generator(5, "cpu"))
        bound = model.log_prob(x, cond, generator=make_generator(5, "cpu"), n_draws=1)
    torch.testing.assert_close(loss, -bound.mean())


@pytest.mark.parametrize("spans", [MIXED_SPANS, [Span(0, 1, "numeric")]], ids=["mixed", "1d"])
@pytest.mark.parametrize("transform_type", ["affine", "spline"])
def test_initialize_ignores_the_global_seed_and_covers_zuko_layers(spans, transform_type):
    states = []
    for global_seed in (1, 2):
        torch.manual_seed(global_seed)
        model = build(spans, seed=5, transform_type=transform_type)
        states.append(model.state_dict())
    for name, tensor in states[0].items():
        assert torch.equal(tensor, states[1][name]), name
    model.extra = torch.nn.Conv1d(1, 1, 1)  # a layer initialize() does not know
    with pytest.raises(TypeError, match="extra"):
        model.initialize(make_generator(0, "cpu"))


def test_extreme_inputs_stay_finite_in_the_model():
    spans = [Span(0, 1, "numeric"), Span(1, 1, "numeric"), Span(2, 2, "categorical")]
    model = build(spans)
    x = torch.tensor([[1e9, -1e9, 1.0, 0.0], [0.0, float("nan"), 0.0, 1.0], [5.2, -5.2, 1, 0]])
    model.train()
    loss = model.loss(x, torch.zeros(3, dtype=torch.long), generator=make_generator(0, "cpu"))
    loss.backward()
    assert torch.isfinite(loss)
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


# -------------------------------------------------------------- the sampler
def test_discrete_frequencies_and_conditionals_are_learned():
    # class 1: a categorical level decides the sign of the numeric column
    rng = np.random.default_rng(0)
    n = 800
    y = np.r_[np.zeros(n // 2, int), np.ones(n // 2, int)]
    level = rng.choice(["a", "b", "c", "d"], n, p=[0.5, 0.3, 0.15, 0.05])
    value = np.where(np.isin(level, ["a", "c"]), -3.0, 3.0) + 0.3 * rng.normal(size=n)
    value = np.where(y == 0, rng.normal(size=n), value)
    flag = rng.random(n) < np.where(y == 1, 0.8, 0.3)
    frame = pd.DataFrame({"value": value, "level": pd.Categorical(level), "flag": flag})
    sampler = tiny(FlowOverSampler, max_steps=400, learning_rate=3e-3, validation_fraction=None)
    sampler.fit_resample(frame, y)
    sampler.set_params(sampling_temperature=1.0)  # the learned density itself
    new = sampler.sample(4000, y=1, random_state=0)
    share = new["level"].value_counts(normalize=True)
    expected = pd.Series({"a": 0.5, "b": 0.3, "c": 0.15, "d": 0.05})
    assert (share.reindex(expected.index, fill_value=0) - expected).abs().max() < 0.05
    assert abs(new["flag"].mean() - 0.8) < 0.05
    negative = new["level"].isin(["a", "c"])
    # ignoring the level would give 0.65 and 0.35
    assert (new.loc[negative, "value"] < 0).mean() > 0.8
    assert (new.loc[~negative, "value"] > 0).mean() > 0.8
    assert abs(sampler.sample(4000, y=0, random_state=0)["flag"].mean() - 0.3) < 0.05


@pytest.mark.parametrize("validation_fraction", [None, 0.2])
def test_degenerate_columns_train_and_sample_finite_values(validation_fraction):
    rng = np.random.default_rng(2)
    n = 300
    y = (rng.random(n) < 0.2).astype(int)
    frame = pd.DataFrame(
        {
            "constant": np.full(n, 7.5),
            "cauchy": rng.standard_cauchy(n) * 1e3,
            "huge": rng.normal(size=n) * 1e9 + 3e9 * y,
            "count": rng.poisson(2.0, n),
            "normal": rng.normal(size=n),
            "kind": pd.Categorical(rng.choice(["p", "q", "r"], n)),
        }
    )
    sampler = tiny(
        FlowOverSampler,
        max_steps=150,
        learning_rate=5e-3,
        validation_fraction=validation_fraction,
    )
    X_res, y_res = sampler.fit_resample(frame, y)
    assert all(np.isfinite(r["train_loss"]) for r in sampler.history_)
    if validation_fraction:
        assert all(np.isfinite(r["valid_loss"]) for r in sampler.history_)
    new = X_res.iloc[n:]
    assert len(new) == (y == 0).sum() - (y == 1).sum()
    assert np.isfinite(new.drop(columns="kind").to_numpy(dtype=float)).all()
    assert (new["constant"] == 7.5).all()
    assert new["huge"].abs().max() <= frame["huge"].abs().max()
    assert set(new["count"]) <= set(range(frame["count"].max() + 1))
    model = sampler.models_[1]
    z = model.sample(
        500, torch.ones(500, dtype=torch.long), make_generator(0, "cpu"), temperature=1.0
    )
    assert torch.isfinite(z).all() and z.abs().max() <= 6
    assert np.isfinite(sampler.score_samples(frame, y)).all()


def test_mixed_frame_round_trip_reproducibility_and_global_rng():
    frame, y = mixed_frame(n=240)
    torch.manual_seed(123)
    torch_state, np_state = torch.random.get_rng_state(), np.random.get_state()
    X_a, y_a = tiny(FlowOverSampler, max_steps=60).fit_resample(frame, y)
    assert torch.equal(torch_state, torch.random.get_rng_state())
    assert np.array_equal(np_state[1], np.random.get_state()[1])
    torch.manual_seed(456)  # another global seed: the same rows
    X_b, y_b = tiny(FlowOverSampler, max_steps=60).fit_resample(frame, y)
    pd.testing.assert_frame_equal(X_a, X_b)
    np.testing.assert_array_equal(y_a, y_b)
    new = X_a.iloc[len(frame) :]
    assert list(X_a.dtypes) == list(frame.dtypes)
    assert set(new["color"].unique()) <= set(frame["color"].cat.categories)
    assert new["count"].between(frame["count"].min(), frame["count"].max()).all()
    assert set(new["city"].unique()) <= {"paris", "oslo"}
    assert 0.05 < new["gappy"].isna().mean() < 0.5
    different = tiny(FlowOverSampler, max_steps=60, random_state=1).fit_resample(frame, y)
    assert not X_a.equals(different[0])


def test_spline_flow_trains_and_samples_valid_rows():
    frame, y = mixed_frame(n=240, seed=2)
    sampler = tiny(FlowOverSampler, transform_type="spline", n_transforms=2, max_steps=40)
    X_res, y_res = sampler.fit_resample(frame, y)
    new = X_res.iloc[len(frame) :]
    assert len(new) == (y == 0).sum() - (y == 1).sum()
    assert set(new["color"].dropna()) <= set(frame["color"].cat.categories)
    assert np.isfinite(new[["num", "small"]].to_numpy(dtype=float)).all()
    assert np.isfinite(sampler.score_samples(frame, y)).all()


def test_single_class_and_tiny_class_errors():
    X = np.random.default_rng(5).normal(size=(40, 3))
    with pytest.raises(ValueError, match="class"):
        tiny(FlowOverSampler).fit_resample(X, np.zeros(40, dtype=int))
    y = np.zeros(40, dtype=int)
    y[0] = 1
    with pytest.raises(ValueError, match="Class 1 has 1 sample"):
        tiny(FlowOverSampler).fit_resample(X, y)
    with pytest.raises(ValueError, match="transform_type"):
        FlowOverSampler(transform_type="planar").fit_resample(X, np.arange(40) % 2)


def test_model_hyperparameters_reach_the_model():
    frame, _ = mixed_frame()
    spans = TabularEncoder().fit(frame).spans_
    sampler = FlowOverSampler(
        n_transforms=5, hidden_dims=(8, 12), transform_type="spline", n_spline_bins=4
    )
    model = sampler._build_model(spans, 3)
    assert isinstance(model, ConditionalFlow)
    assert len(model.flow.transform.transforms) == 5
    assert model.transform_type == "spline" and model.n_bins == 4
    assert model.hidden_dims == (8, 12) and model.label.num_embeddings == 3
    hyper = model.flow.transform.transforms[0].hyper
    assert [layer.out_features for layer in hyper if hasattr(layer, "out_features")][:2] == [8, 12]
    defaults = FlowOverSampler()._build_model(spans, 2)
    assert defaults.transform_type == "affine" and len(defaults.flow.transform.transforms) == 3
