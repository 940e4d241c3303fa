"""The contract every model family meets.

A family is a :class:`TabularModel` with two methods of its own:

- ``loss(x, cond, generator=None)``: a scalar training loss on an encoded batch
  ``x`` (float tensor laid out by the encoder's spans) and class indices
  ``cond`` (long tensor);
- ``sample(n, cond, generator=None)``: ``n`` encoded rows for class indices
  ``cond``, drawn with the local ``torch.Generator``.

Families with an exact likelihood also give ``log_prob(x, cond)``. Before
training, the sampler calls :meth:`TabularModel.initialize` (random weights
from a local generator) and then :meth:`TabularModel.initialize_from_data`
(a deterministic start from the training rows; nothing by default). The shared
training loop calls :meth:`TabularModel.train_step` and
:meth:`TabularModel.validation_loss`; a family overrides them only when one
loss and one optimizer do not fit it (a GAN, say).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .layers import WeightAverage


class TabularModel(nn.Module):
    """Base class of the model families (a torch module, no scikit-learn)."""

    #: gradient-norm clip applied by the default train step (None disables it)
    clip_grad_norm = 10.0

    def loss(self, x, cond, generator=None):  # pragma: no cover - abstract
        raise NotImplementedError

    def sample(self, n, cond, generator=None):  # pragma: no cover - abstract
        raise NotImplementedError

    @torch.no_grad()
    def initialize(self, generator):
        """Draw every initial weight from ``generator`` (CPU), never from global state.

        Linear layers (and subclasses) get PyTorch's default uniform
        initialization, embeddings a standard normal; layer norms are reset and
        weight averages restart from their module. Families with other randomly
        initialized parameters extend this.
        """
        for module in self.modules():
            if isinstance(module, nn.Linear):
                bound = 1.0 / math.sqrt(max(1, module.in_features))
                module.weight.uniform_(-bound, bound, generator=generator)
                if module.bias is not None:
                    module.bias.uniform_(-bound, bound, generator=generator)
            elif isinstance(module, nn.Embedding):
                module.weight.normal_(generator=generator)
            elif isinstance(module, nn.LayerNorm):
                module.reset_parameters()
        for module in self.modules():
            if isinstance(module, WeightAverage):
                module.reset()
        return self

    @torch.no_grad()
    def initialize_from_data(self, x, cond):
        """Data-dependent start, run once on the training rows after :meth:`initialize`.

        The default does nothing; a family whose outputs are slow to reach the
        data's scale under a small learning rate sets them here (deterministic,
        no random draws).
        """
        return self

    def configure_optimizers(self, learning_rate):
        """Optimizers used by :meth:`train_step`."""
        return [torch.optim.Adam(self.parameters(), lr=learning_rate)]

    def train_step(self, x, cond, optimizers, generator):
        """One optimizer update on a minibatch; returns the detached loss."""
        (optimizer,) = optimizers
        optimizer.zero_grad(set_to_none=True)
        loss = self.loss(x, cond, generator=generator)
        loss.backward()
        if self.clip_grad_norm is not None:
            nn.utils.clip_grad_norm_(self.parameters(), self.clip_grad_norm)
        optimizer.step()
        self.after_step()
        return loss.detach()

    def after_step(self):
        """Hook run after each update (weight averaging, say)."""

    @torch.no_grad()
    def validation_loss(self, x, cond, generator):
        """Held-out score used for early stopping; lower is better."""
        return self.loss(x, cond, generator=generator)

    @torch.no_grad()
    def generate(self, n, cond, generator=None):
        """Sample in eval mode without gradients, restoring the previous mode."""
        was_training = self.training
        self.eval()
        try:
            return self.sample(n, cond, generator=generator)
        finally:
            self.train(was_training)
