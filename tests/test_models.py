"""One contract test over every torch model family (through each sampler's hook)."""

import numpy as np
import pytest
import torch
from _helpers import SAMPLERS, mixed_frame, tiny, with_variants

from dgm_resample import TabularEncoder
from dgm_resample._training import make_generator


@pytest.fixture(scope="module")
def toy():
    frame, y = mixed_frame(n=200, seed=1)
    encoder = TabularEncoder(random_state=0).fit(frame)
    x = torch.as_tensor(encoder.transform(frame))
    return encoder.spans_, x, torch.as_tensor(y, dtype=torch.long)


def build(cls, spans, seed=0):
    model = tiny(cls)._build_model(spans, 2, 200)
    return model.initialize(make_generator(seed, "cpu"))


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
    out = model.generate(11, cond, make_generator(0, "cpu"))
    assert model.training, "generate() must restore the training mode"
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
    a = model.generate(20, torch.ones(20, dtype=torch.long), make_generator(5, "cpu"))
    b = model.generate(20, torch.ones(20, dtype=torch.long), make_generator(5, "cpu"))
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
