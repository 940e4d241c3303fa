"""Conditional variational autoencoder with a mixed-type decoder likelihood."""

from __future__ import annotations

import torch
from torch import nn

from .base import TabularModel
from .layers import MLP, MixedLikelihood


class ConditionalVAE(TabularModel):
    """p(x | z, y) p(z) with q(z | x, y); the decoder likelihood follows the spans.

    Numeric spans get a Gaussian, binary spans a Bernoulli and categorical spans
    a softmax (see :class:`~dgm_resample.nn.layers.MixedLikelihood`).

    Parameters
    ----------
    spans, n_classes
        The encoded layout and the number of class labels (see :class:`~dgm_resample.nn.TabularModel`).
    latent_dim : int
    hidden_dims : sequence of int
    beta : float
        Weight of the KL term.
    """

    #: width of the label embedding fed to encoder and decoder
    embedding_dim = 16

    def __init__(self, spans, n_classes, latent_dim, hidden_dims, beta):
        super().__init__()
        self.likelihood = MixedLikelihood(spans)
        width, embedding_dim = self.likelihood.layout.n_encoded, self.embedding_dim
        self.latent_dim, self.beta = latent_dim, beta
        self.label = nn.Embedding(n_classes, embedding_dim)
        self.encoder = MLP(width + embedding_dim, 2 * latent_dim, hidden_dims)
        self.decoder = MLP(latent_dim + embedding_dim, width, tuple(reversed(hidden_dims)))

    def loss(self, x, cond, generator=None):
        label = self.label(cond)
        mean, log_var = self.encoder(torch.cat([x, label], dim=-1)).chunk(2, dim=-1)
        log_var = log_var.clamp(-12.0, 8.0)
        eps = torch.randn(mean.shape, generator=generator, device=mean.device)
        z = mean + torch.exp(0.5 * log_var) * eps
        params = self.decoder(torch.cat([z, label], dim=-1))
        kl = 0.5 * (mean.pow(2) + log_var.exp() - 1.0 - log_var).sum(-1)
        return (self.likelihood.nll(params, x) + self.beta * kl).mean()

    @torch.no_grad()
    def sample(self, n, cond, generator):
        z = torch.randn((n, self.latent_dim), generator=generator, device=cond.device)
        params = self.decoder(torch.cat([z, self.label(cond)], dim=-1))
        return self.likelihood.sample(params, generator)
