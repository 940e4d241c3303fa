"""The contract every model family meets.

A family is a :class:`TabularModel` (a torch module, no scikit-learn) built by
its sampler's ``_build_model(spans, n_classes)``: the encoder's spans and the
number of class labels, then the family's own arguments, all required (their
defaults live in the sampler's signature only). ``x`` is a float batch of
encoded rows laid out by the spans, ``cond`` the long tensor of their class
indices; every random draw comes from the ``torch.Generator`` handed in.

A family must give

- ``sample(n, cond, generator, **settings)``: ``n`` encoded rows for the class
  indices ``cond`` (binary columns 0/1, categorical blocks one-hot), without
  gradients, on the device of ``cond``. ``settings`` are the family's sampling
  settings (a temperature, say): keyword-only, required, passed by the sampler
  at every draw, so drawing never changes a fitted model;
- ``loss(x, cond, generator=None)``: a scalar training loss, read by the
  default :meth:`~TabularModel.train_step` and
  :meth:`~TabularModel.validation_loss`; a family that overrides both (the
  GAN: two optimizers, a held-out score that is not its loss) needs none.

A family with a likelihood also gives ``log_prob(x, cond)``: the log-likelihood
of each row, shape ``(batch,)``, deterministic for a row (keyword-only extras
allowed); the sampler's ``score_samples`` calls it.

The sampler calls :meth:`~TabularModel.initialize` (random weights from a local
generator) and :meth:`~TabularModel.initialize_from_data` (a deterministic start
from the training rows; nothing by default), then the training loop
(``dgm_resample._training.fit_loop``) calls
:meth:`~TabularModel.configure_optimizers` once, :meth:`~TabularModel.train_step`
per minibatch and, with held-out rows, :meth:`~TabularModel.validation_loss` per
class after each epoch (lower is better). A family overrides these only where
one loss and one Adam optimizer do not fit it.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .layers import MaskedLinear, WeightAverage
from .optim import FlatAdam


class TabularModel(nn.Module):
    """Base class of the model families (see the module docstring for the contract)."""

    #: gradient-norm clip applied by the default train step (None disables it)
    clip_grad_norm = 10.0

    def sample(self, n, cond, generator, **settings):  # pragma: no cover - abstract
        raise NotImplementedError

    @torch.no_grad()
    def initialize(self, generator):
        """Draw every initial weight from ``generator`` (CPU), never from global state.

        Linear layers (and subclasses) get PyTorch's default uniform
        initialization (masked layers zero outside their mask), embeddings a
        standard normal; layer norms are reset and
        weight averages restart from their module. Families with other randomly
        initialized parameters extend this.
        """
        for module in self.modules():
            if isinstance(module, nn.Linear):
                bound = 1.0 / math.sqrt(max(1, module.in_features))
                module.weight.uniform_(-bound, bound, generator=generator)
                if module.bias is not None:
                    module.bias.uniform_(-bound, bound, generator=generator)
                if isinstance(module, MaskedLinear):
                    module.weight.mul_(module.mask)
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

    def gradient_masks(self):
        """``{weight: mask}`` of the masked layers, for the optimizer.

        A ``dgm_resample.nn.layers.MaskedLinear`` keeps its weights zero
        outside its mask only if their gradients are masked too.
        """
        return {m.weight: m.mask for m in self.modules() if isinstance(m, MaskedLinear)}

    def configure_optimizers(self, learning_rate):
        """Optimizers used by :meth:`train_step` (``dgm_resample.nn.optim.FlatAdam``)."""
        return [FlatAdam(self.parameters(), learning_rate, grad_masks=self.gradient_masks())]

    def train_step(self, x, cond, optimizers, generator):
        """One optimizer update on a minibatch; returns the detached loss."""
        (optimizer,) = optimizers
        optimizer.zero_grad()
        loss = self.loss(x, cond, generator=generator)
        loss.backward()
        if self.clip_grad_norm is not None:
            optimizer.clip_grad_norm_(self.clip_grad_norm)
        optimizer.step()
        return loss.detach()

    @torch.no_grad()
    def validation_loss(self, x, cond, generator):
        """Held-out score used for early stopping; lower is better."""
        return self.loss(x, cond, generator=generator)
