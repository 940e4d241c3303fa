"""One contract test over every torch model family (through each sampler's hook)."""

import inspect
import pickle

import numpy as np
import pytest
import torch
from _helpers import SAMPLERS, mixed_frame, tiny, with_variants

from dgm_resample import TabularEncoder
from dgm_resample._base import BaseDGMOverSampler
from dgm_resample._training import make_generator

#: a valid non-default value of every parameter a sampler adds to the base's
#: (a new parameter must be listed here, so that the defaults test covers it)
OTHER_VALUES = {
    "VAEOverSampler": {"latent_dim": 3, "hidden_dims": (16, 8), "beta": 0.5},
    "GANOverSampler": {
        "noise_dim": 5,
        "generator_dims": (16, 8),
        "critic_dims": (12,),
        "pac": 3,
        "n_critic": 3,
        "gp_weight": 1.0,
        "aux_weight": 0.5,
        "gumbel_temperature": 0.5,
        "ema_decay": 0.9,
        "mmd_weight": 2.0,
        "sampling_temperature": 0.5,
    },
    "FlowOverSampler": {
        "n_transforms": 2,
        "hidden_dims": (16, 8),
        "transform_type": "spline",
        "n_spline_bins": 4,
        "sampling_temperature": 0.5,
    },
    "AutoregressiveOverSampler": {
        "hidden_dims": (16, 8),
        "n_components": 2,
        "sampling_temperature": 0.5,
        "numeric_head": "bins",
        "n_bins": 7,
    },
    "DiffusionOverSampler": {
        "hidden_dims": (16, 8),
        "n_timesteps": 50,
        "n_sampling_steps": 3,
        "guidance_scale": 2.0,
        "label_dropout": 0.3,
        "discrete_weight": 2.0,
        "ema_decay": 0.9,
        "eta": 0.5,
    },
}


def _widths(module):
    """Hidden widths of a sequence of layers (every linear output width but the last)."""
    return tuple(layer.out_features for layer in module if hasattr(layer, "out_features"))[:-1]


#: where a parameter shows in the built model when not as an attribute of its name
PROBES = {
    ("VAEOverSampler", "hidden_dims"): lambda m: _widths(m.encoder),
    ("GANOverSampler", "generator_dims"): lambda m: _widths(m.generator),
    ("GANOverSampler", "critic_dims"): lambda m: _widths(m.critic),
    ("GANOverSampler", "gumbel_temperature"): lambda m: m.temperature,
    ("FlowOverSampler", "n_spline_bins"): lambda m: m.n_bins,
    ("FlowOverSampler", "hidden_dims"): lambda m: _widths(m.flow.transform.transforms[0].hyper),
    ("FlowOverSampler", "n_transforms"): lambda m: len(m.flow.transform.transforms),
    ("AutoregressiveOverSampler", "hidden_dims"): lambda m: tuple(
        layer.out_features for layer in m.hidden
    ),
    ("DiffusionOverSampler", "hidden_dims"): lambda m: (
        m.denoiser.proj.out_features,
        *_widths(m.denoiser.net),
    ),
    ("DiffusionOverSampler", "n_timesteps"): lambda m: len(m.alpha_bar) - 1,
}


def family_parameters(cls):
    """The parameters ``cls`` adds to the base sampler's, with their defaults.

    Deprecated former names are left out (tests/test_names.py covers them).
    """
    base = inspect.signature(BaseDGMOverSampler).parameters
    own = inspect.signature(cls).parameters
    return {
        name: p.default
        for name, p in own.items()
        if name not in base and name not in cls._renamed_parameters
    }


@pytest.fixture(scope="module")
def toy():
    frame, y = mixed_frame(n=200, seed=1)
    encoder = TabularEncoder(random_state=0).fit(frame)
    x = torch.as_tensor(encoder.transform(frame))
    return encoder.spans_, x, torch.as_tensor(y, dtype=torch.long)


def build(cls, spans, seed=0):
    model = tiny(cls)._build_model(spans, 2)
    return model.initialize(make_generator(seed, "cpu"))


def draw(cls, model, n, cond, seed):
    """``model.sample`` with the sampling settings of the sampler's defaults."""
    return model.sample(n, cond, make_generator(seed, "cpu"), **tiny(cls)._sampling_settings())


@pytest.fixture(params=with_variants(SAMPLERS))
def sampler_cls(request):
    return request.param


def test_initialize_is_deterministic(sampler_cls, toy):
    spans, _, _ = toy
    a, b = build(sampler_cls, spans, seed=3), build(sampler_cls, spans, seed=3)
    c = build(sampler_cls, spans, seed=4)
    for (name, pa), pb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(pa, pb), name
    assert any(not torch.equal(pa, pc) for pa, pc in zip(a.parameters(), c.parameters()))


def test_loss_is_finite_and_every_parameter_gets_a_gradient(sampler_cls, toy):
    spans, x, cond = toy
    model = build(sampler_cls, spans)
    if not hasattr(model, "loss"):
        pytest.skip(f"{sampler_cls.func.__name__} trains with its own train_step")
    model.train()
    loss = model.loss(x, cond, generator=make_generator(0, "cpu"))
    assert loss.ndim == 0 and torch.isfinite(loss)
    loss.backward()
    missing = [
        name
        for name, p in model.named_parameters()
        if p.requires_grad and (p.grad is None or not torch.isfinite(p.grad).all())
    ]
    assert not missing, f"parameters without a finite gradient: {missing}"


def test_training_improves_the_validation_score(sampler_cls, toy):
    spans, x, cond = toy
    model = build(sampler_cls, spans)
    before = float(model.validation_loss(x, cond, make_generator(7, "cpu")))
    optimizers = model.configure_optimizers(2e-3)
    generator = make_generator(1, "cpu")
    model.train()
    for _ in range(150):
        rows = torch.randint(len(x), (64,), generator=generator)
        model.train_step(x[rows], cond[rows], optimizers, generator)
    model.eval()
    after = float(model.validation_loss(x, cond, make_generator(7, "cpu")))
    assert np.isfinite(after)
    assert after < before


def test_samples_have_the_encoded_layout(sampler_cls, toy):
    spans, x, _ = toy
    model = build(sampler_cls, spans)
    model.train()
    cond = torch.tensor([0] * 5 + [1] * 6)
    out = draw(sampler_cls, model, 11, cond, 0)
    assert model.training, "sample() must not change the training mode"
    assert out.shape == (11, x.shape[1])
    assert torch.isfinite(out).all()
    for span in spans:
        block = out[:, span.start : span.stop]
        if span.kind == "categorical":
            assert torch.allclose(block.sum(1), torch.ones(11))
            assert set(block.unique().tolist()) <= {0.0, 1.0}
        elif span.kind == "binary":
            assert set(block.unique().tolist()) <= {0.0, 1.0}


def test_eval_mode_is_deterministic_given_the_generator(sampler_cls, toy):
    spans, x, cond = toy
    model = build(sampler_cls, spans).eval()
    a = draw(sampler_cls, model, 20, torch.ones(20, dtype=torch.long), 5)
    b = draw(sampler_cls, model, 20, torch.ones(20, dtype=torch.long), 5)
    assert torch.equal(a, b)
    va = model.validation_loss(x, cond, make_generator(5, "cpu"))
    vb = model.validation_loss(x, cond, make_generator(5, "cpu"))
    assert float(va) == float(vb)


def test_log_prob_when_exact(sampler_cls, toy):
    spans, x, cond = toy
    model = build(sampler_cls, spans).eval()
    if not hasattr(model, "log_prob"):
        pytest.skip(f"{sampler_cls.func.__name__} has no exact likelihood")
    with torch.no_grad():
        log_prob = model.log_prob(x, cond)
    assert log_prob.shape == (len(x),)
    assert torch.isfinite(log_prob).all()


def _fit_tiny(cls, **params):
    X = np.random.default_rng(0).normal(size=(120, 3))
    y = np.repeat([0, 1], [80, 40])
    sampler = tiny(cls, max_steps=2, **params)
    sampler.fit_resample(X, y)
    return sampler


@pytest.mark.parametrize("which", ["defaults", "other values"])
@pytest.mark.parametrize("cls", SAMPLERS, ids=lambda cls: cls.__name__)
def test_every_sampler_parameter_reaches_the_model(cls, which):
    """Defaults live in the sampler signatures: the model gets exactly those
    (built by a fit; sampling settings passed to every draw)."""
    defaults = family_parameters(cls)
    assert set(defaults) == set(OTHER_VALUES[cls.__name__]), "list the new parameter"
    values = defaults if which == "defaults" else OTHER_VALUES[cls.__name__]
    assert which == "defaults" or all(values[name] != defaults[name] for name in values)
    # tiny()'s batch_size (64) leaves the GAN's pac (at most batch_size // 8) unclamped
    sampler = _fit_tiny(cls, **values)
    model = sampler.models_[1]
    drawn = []
    draw_rows = model.sample

    def recording(n, cond, generator, **settings):
        drawn.append(settings)
        return draw_rows(n, cond, generator, **settings)

    model.sample = recording
    sampler.sample(3, y=1, random_state=0)
    for name, expected in values.items():
        if name in sampler._sampling_parameters:
            got = drawn[-1][sampler._sampling_parameters[name]]
        elif (cls.__name__, name) in PROBES:
            got = PROBES[cls.__name__, name](model)
        else:
            got = getattr(model, name)
        if isinstance(expected, (list, tuple)):
            got, expected = tuple(got), tuple(expected)
        assert got == expected, name


@pytest.mark.parametrize("cls", SAMPLERS, ids=lambda cls: cls.__name__)
def test_drawing_leaves_the_fitted_model_unchanged(cls):
    sampler = _fit_tiny(cls)
    before = pickle.dumps(sampler.models_)
    sampler.sample(5, y=1, random_state=0)
    other = OTHER_VALUES[cls.__name__]
    sampler.set_params(**{name: other[name] for name in sampler._sampling_parameters})
    sampler.sample(5, y=1, random_state=0)
    assert pickle.dumps(sampler.models_) == before


@pytest.mark.parametrize("by_width", [False, True])
def test_span_layout_take_and_put_match_indexing(by_width):
    """``take`` and ``put`` equal advanced indexing for every index (``take`` a view where columns are consecutive)."""
    from dgm_resample._encoding import Span
    from dgm_resample.nn.layers import SpanLayout

    # numeric, categorical (3), binary, categorical (2), numeric, categorical (3)
    kinds = [("numeric", 1), ("categorical", 3), ("binary", 1), ("categorical", 2)]
    kinds += [("numeric", 1), ("categorical", 3)]
    spans, start = [], 0
    for kind, width in kinds:
        spans.append(Span(start, width, kind))
        start += width
    layout = SpanLayout(spans, numeric_size=2, categorical_size=lambda w: w, by_width=by_width)
    values = torch.randn(4, max(layout.n_encoded, layout.n_out), requires_grad=True)
    names = layout.index_names()
    assert {"numeric_idx", "binary_idx", "cat_idx_3", "numeric_out", "cat_out_3"} <= set(names)
    assert "categorical_columns" in names
    for name in names:
        index = getattr(layout, name)
        taken = layout.take(values, name)
        assert torch.equal(taken, values[:, index]), name
        consecutive = torch.equal(index.reshape(-1), torch.arange(index.min(), index.max() + 1))
        assert (taken._base is values) == consecutive, name
    # numeric outputs come first in the packed layout: always a view
    assert layout.take(values, "numeric_out")._base is values
    # the two width-3 blocks are consecutive in the packed layout only when grouped by width
    assert (layout.take(values, "cat_out_3")._base is values) == by_width
    # gradients flow through views and gathers alike
    sum(layout.take(values, name).sum() for name in names).backward()
    assert values.grad is not None and values.grad.abs().sum() > 0
    # put writes exactly the selected columns, in place, view or not
    for name in names:
        index, target = getattr(layout, name), values.detach().clone()
        new = torch.randn(target[:, index].shape)
        expected = target.clone()
        expected[:, index] = new
        layout.put(target, name, new)
        assert torch.equal(target, expected), name


@pytest.mark.parametrize("by_width", [False, True])
def test_blocks_number_the_categorical_spans(by_width):
    """Block buffers and the one-pass block softmax agree with a loop over the blocks."""
    from dgm_resample._encoding import Span
    from dgm_resample.nn.layers import (
        SpanLayout,
        block_log_softmax,
        block_sum,
        sample_blocks,
    )

    kinds = [("numeric", 1), ("categorical", 3), ("binary", 1), ("categorical", 2)]
    kinds += [("numeric", 1), ("categorical", 3)]
    spans, start = [], 0
    for kind, width in kinds:
        spans.append(Span(start, width, kind))
        start += width
    layout = SpanLayout(spans, numeric_size=2, categorical_size=lambda w: w, by_width=by_width)
    order = [3, 1, 5] if by_width else [1, 3, 5]  # grouped by width: the width-2 block first
    assert layout.n_blocks == 3
    assert layout.categorical_columns.tolist() == [
        c for i in order for c in range(spans[i].start, spans[i].stop)
    ]
    for block, i in enumerate(order):
        columns = slice(spans[i].start, spans[i].stop)
        assert (layout.block_of_column[columns] == block).all()
    others = [j for j in range(layout.n_encoded) if layout.categorical_mask[j] == 0]
    assert (layout.block_of_column[others] == 3).all()
    assert others == [0, 4, 7]

    generator = torch.Generator().manual_seed(0)
    logits = (5 * torch.randn(6, layout.n_encoded, generator=generator)).requires_grad_(True)
    shifted, log_sums = block_log_softmax(logits, layout.block_of_column, layout.n_blocks)
    for block, i in enumerate(order):
        columns = slice(spans[i].start, spans[i].stop)
        expected = torch.log_softmax(logits[:, columns], dim=-1)
        assert torch.allclose(shifted[:, columns] - log_sums[:, [block]], expected, atol=1e-5)
    log_sums.sum().backward()
    assert logits.grad[:, others].abs().max() == 0 and logits.grad.abs().sum() > 0
    sums = block_sum(logits.detach(), layout.block_of_column, layout.n_blocks)
    for block, i in enumerate(order):
        assert torch.allclose(sums[:, block], logits[:, spans[i].start : spans[i].stop].sum(-1))
    # one draw per block and none elsewhere; frequencies follow the softmax
    fixed = torch.zeros(20_000, layout.n_encoded)
    fixed[:, 1:4] = torch.tensor([0.0, 1.0, 2.0])
    draws = sample_blocks(fixed, layout.block_of_column, layout.n_blocks, generator)
    assert (block_sum(draws, layout.block_of_column, layout.n_blocks) == 1).all()
    assert draws[:, others].abs().max() == 0
    share = draws[:, 1:4].mean(0)
    assert torch.allclose(share, torch.softmax(torch.tensor([0.0, 1.0, 2.0]), 0), atol=0.02)
