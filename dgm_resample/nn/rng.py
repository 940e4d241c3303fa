"""Random draws of module construction, kept off torch's global generator.

PyTorch layers draw their initial weights from the global generator when they
are built (``nn.Linear.reset_parameters``, zuko's masks and reprs). The model
families re-initialize every weight from a local generator afterwards, so
those draws only need to go somewhere that is not the user's global state.
:func:`local_draws` sends them to a local generator through a
:class:`~torch.overrides.TorchFunctionMode`, which is thread-local: fitting
samplers in several threads at once leaves the global generator as it was
(saving and restoring the global state instead races between threads).
"""

from __future__ import annotations

import contextlib
import inspect

import torch
from torch.overrides import TorchFunctionMode

#: torch functions and tensor methods that draw random numbers and take ``generator``
_RANDOM_BUILTINS = {
    torch.rand,
    torch.randn,
    torch.randint,
    torch.randperm,
    torch.normal,
    torch.bernoulli,
    torch.multinomial,
    torch.Tensor.uniform_,
    torch.Tensor.normal_,
    torch.Tensor.random_,
    torch.Tensor.bernoulli_,
    torch.Tensor.exponential_,
    torch.Tensor.geometric_,
    torch.Tensor.log_normal_,
    torch.Tensor.cauchy_,
}


def _takes_generator(func):
    if func in _RANDOM_BUILTINS:
        return True
    try:
        return "generator" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


class _LocalDraws(TorchFunctionMode):
    """Hand ``generator`` to every random draw that was given none."""

    def __init__(self, generator):
        super().__init__()
        self.generator = generator

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = dict(kwargs or {})
        if kwargs.get("generator") is None and _takes_generator(func):
            kwargs["generator"] = self.generator
        return func(*args, **kwargs)


@contextlib.contextmanager
def local_draws(seed=0):
    """Send the random draws of the code inside to a local CPU generator.

    Parameters
    ----------
    seed : int, default=0
        Seed of the local generator.
    """
    generator = torch.Generator(device="cpu")
    generator.manual_seed(int(seed))
    with _LocalDraws(generator):
        yield generator
