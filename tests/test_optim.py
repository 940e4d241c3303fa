"""The flat-buffer optimizer, masked layers and weight averages of the training step."""

import copy
import pickle

import pytest
import torch
from _helpers import random_rows

from dgm_resample import Span
from dgm_resample._training import make_generator
from dgm_resample.nn.autoregressive import AutoregressiveModel
from dgm_resample.nn.flow import ConditionalFlow
from dgm_resample.nn.layers import MaskedLinear, WeightAverage
from dgm_resample.nn.optim import FlatAdam, contiguous_run
from dgm_resample.nn.rng import local_draws

SPANS = [
    Span(0, 1, "numeric"),
    Span(1, 3, "categorical"),
    Span(4, 1, "binary"),
    Span(5, 2, "categorical"),
    Span(7, 1, "numeric"),
]


def _net():
    """The same small network at every call (its initial draws from a local generator)."""
    with local_draws(0):
        return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.SiLU(), torch.nn.Linear(4, 2))


def test_parameters_and_gradients_live_in_one_buffer():
    net = _net()
    before = [p.detach().clone() for p in net.parameters()]
    optimizer = FlatAdam(net.parameters(), 1e-2)
    params = list(net.parameters())
    assert contiguous_run(params) is not None
    assert all(torch.equal(p, b) for p, b in zip(params, before))  # values kept
    assert optimizer.data.numel() == sum(p.numel() for p in params)
    net(torch.randn(5, 3)).pow(2).sum().backward()
    # autograd accumulated into the views of the one gradient buffer
    flat = torch.cat([p.grad.reshape(-1) for p in params])
    assert torch.equal(flat, optimizer.grad) and optimizer.grad.abs().sum() > 0
    optimizer.step()
    assert all(not torch.equal(p, b) for p, b in zip(params, before))
    assert torch.equal(torch.cat([p.detach().reshape(-1) for p in params]), optimizer.data)
    optimizer.zero_grad()
    assert optimizer.grad.abs().sum() == 0 and all(p.grad is not None for p in params)
    optimizer.release()
    assert all(p.grad is None for p in params)
    # the module still copies, pickles and loads state as before
    clone = pickle.loads(pickle.dumps(copy.deepcopy(net)))
    clone.load_state_dict(net.state_dict())
    assert all(torch.equal(a, b) for a, b in zip(clone.parameters(), params))


def test_one_adam_update_matches_torch_adam():
    net, reference = _net(), _net()
    x = torch.randn(7, 3)
    flat = FlatAdam(net.parameters(), 1e-2, betas=(0.5, 0.9))
    plain = torch.optim.Adam(reference.parameters(), lr=1e-2, betas=(0.5, 0.9))
    for _ in range(3):
        for model, optimizer in ((net, flat), (reference, plain)):
            optimizer.zero_grad()
            model(x).pow(2).sum().backward()
            optimizer.step()
    for a, b in zip(net.parameters(), reference.parameters()):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize("max_norm", [1e-3, 1e3])
def test_clipping_matches_torch(max_norm):
    net, reference = _net(), _net()
    x = torch.randn(7, 3)
    optimizer = FlatAdam(net.parameters(), 1e-2)
    for model in (net, reference):
        model(x).pow(2).sum().backward()
    norm = optimizer.clip_grad_norm_(max_norm)
    expected = torch.nn.utils.clip_grad_norm_(reference.parameters(), max_norm)
    torch.testing.assert_close(norm, expected)
    for a, b in zip(net.parameters(), reference.parameters()):
        torch.testing.assert_close(a.grad, b.grad)


def test_parameter_groups_keep_their_learning_rates():
    net = _net()
    first, second = list(net[0].parameters()), list(net[2].parameters())
    optimizer = FlatAdam([{"params": first}, {"params": second, "lr": 0.5}], 1e-3)
    assert [g["lr"] for g in optimizer.param_groups] == [1e-3, 0.5]
    before = [p.detach().clone() for p in net.parameters()]
    net(torch.randn(5, 3)).sum().backward()
    optimizer.step()
    moved = [float((p.detach() - b).abs().max()) for p, b in zip(net.parameters(), before)]
    # Adam's first step moves every entry by about its learning rate
    assert max(moved[:2]) < 2e-3 < 0.4 < min(moved[2:])


@pytest.mark.parametrize("family", ["autoregressive", "flow"])
def test_masked_weights_stay_zero_through_training(family):
    if family == "autoregressive":
        model = AutoregressiveModel(SPANS, 2, (16, 16), 3, "mixture", 8)
    else:
        model = ConditionalFlow(SPANS, 2, 2, (16,), "affine", 8)
    model.initialize(make_generator(0, "cpu"))
    masked = [m for m in model.modules() if isinstance(m, MaskedLinear)]
    assert masked and all((m.mask == 0).any() for m in masked)
    optimizers = model.configure_optimizers(5e-2)
    generator = make_generator(1, "cpu")
    x = random_rows(SPANS, 64, generator)
    cond = torch.randint(2, (64,), generator=generator)
    model.train()
    for _ in range(5):
        model.train_step(x, cond, optimizers, generator)
    for m in masked:
        assert m.weight[m.mask == 0].abs().max() == 0
        assert m.weight[m.mask == 1].abs().max() > 0


def test_affine_flow_log_prob_equals_zukos():
    model = ConditionalFlow(SPANS, 2, 3, (32, 32), "affine", 8)
    model.initialize(make_generator(0, "cpu"))
    generator = make_generator(1, "cpu")
    z = 2 * torch.randn(50, model.n_flow, generator=generator)
    cond = torch.randint(2, (50,), generator=generator)
    expected = model.flow(model.label(cond)).log_prob(z)
    torch.testing.assert_close(model.flow_log_prob(z, cond), expected, rtol=1e-5, atol=1e-4)


def test_weight_average_in_one_buffer_matches_the_per_tensor_update():
    flat_net, loose_net = _net(), _net()
    flat_avg, loose_avg = WeightAverage(flat_net), WeightAverage(loose_net)
    optimizer = FlatAdam(flat_net.parameters(), 1e-2)
    x = torch.randn(5, 3)
    for _ in range(4):
        optimizer.zero_grad()
        flat_net(x).pow(2).sum().backward()
        optimizer.step()
        with torch.no_grad():  # the same weights, held in separate tensors
            for a, b in zip(loose_net.parameters(), flat_net.parameters()):
                a.copy_(b)
        flat_avg.update(0.9)
        loose_avg.update(0.9)
    assert contiguous_run(list(flat_avg.averages().values())) is not None
    assert contiguous_run(list(loose_avg.averages().values())) is None
    for name, value in loose_avg.averages().items():
        torch.testing.assert_close(flat_avg.averages()[name], value)
    assert int(flat_avg.n_updates) == 4
    torch.testing.assert_close(flat_avg(x), loose_avg(x))
