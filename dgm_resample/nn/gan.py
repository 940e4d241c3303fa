"""Class-conditional Wasserstein GAN with gradient penalty for mixed-type tables.

The generator maps Gaussian noise and a one-hot class label to an encoded row;
its output layer reads the encoder's spans (bounded numeric values, Gumbel
relaxations of the binary and categorical blocks). A packed critic (PacGAN)
scores groups of rows of one class with their labels, trained with the WGAN-GP
objective. An auxiliary classifier trained on real rows pushes generated rows
towards the structure of their own class (the conditional signal), and a
per-class kernel MMD between the generated and the real rows of the minibatch
adds a direct moment-matching term to the generator loss. Rows are
generated from an exponential moving average of the generator weights; when
rows are held out, the kept weights (and early stopping) use a per-class kernel
MMD between generated and held-out real rows.
"""

from __future__ import annotations

import math
from functools import partial

import torch
from torch import nn
from torch.nn import functional as F

from .base import TabularModel
from .layers import (
    MLP,
    SpanLayout,
    WeightAverage,
    block_softmax,
    gumbel_noise,
    sample_blocks,
)
from .optim import FlatAdam

#: quantile-normal values of the encoder lie within about +-5.2
NUMERIC_BOUND = 5.5


def rbf_mmd(x, y, scales=(0.25, 1.0, 4.0)):
    """Unbiased squared MMD between ``x`` and ``y`` with a sum of RBF kernels.

    The bandwidth is the median squared distance between the rows of ``x``
    (the real rows), so scores of different generators on the same real rows
    are comparable; where that median is not a positive number (fewer than two
    rows of ``x``, or identical rows) the number of columns stands in for it.
    The squared distances of all rows come from one matrix product and the
    kernels of all scales from one exponential.
    """
    n, m = len(x), len(y)
    z = torch.cat([x, y])
    norms = z.pow(2).sum(-1)
    d = (norms[:, None] + norms[None, :] - 2.0 * (z @ z.T)).clamp_min(0.0)
    with torch.no_grad():
        off_diagonal = torch.eye(n, dtype=torch.bool, device=x.device).logical_not()
        median = d[:n, :n].detach().masked_fill(~off_diagonal, math.nan).nanmedian()
        fallback = torch.full_like(median, float(max(1, x.shape[1])))
        median = torch.where(torch.isfinite(median) & (median > 1e-8), median, fallback)
        gamma = 1.0 / (torch.tensor(scales, dtype=d.dtype, device=d.device) * median)
    kernel = torch.exp(-d.unsqueeze(0) * gamma[:, None, None]).sum(0)
    return (kernel * _mmd_weights(n, m, d)).sum()


def _mmd_weights(n, m, like):
    """Weights of the kernel matrix of ``n`` real then ``m`` generated rows in the MMD.

    Within a sample, the mean over its off-diagonal pairs (over all pairs,
    diagonal included, for a sample of one row); between the samples, minus
    twice the mean.
    """
    with torch.no_grad():
        sign = torch.cat([like.new_full((n,), 1.0 / n), like.new_full((m,), -1.0 / m)])
        weights = sign[:, None] * sign[None, :]
        if n > 1:
            weights[:n, :n] *= n / (n - 1)
            weights[:n, :n].fill_diagonal_(0.0)
        if m > 1:
            weights[n:, n:] *= m / (m - 1)
            weights[n:, n:].fill_diagonal_(0.0)
    return weights


def _class_runs(cond, *tensors):
    """Split the rows of ``tensors`` by class: a tuple of lists, one item per class.

    A batch ordered by class (as :meth:`ConditionalWGAN._pad` leaves it) is
    split into views; any other batch is ordered by class first.
    """
    labels, counts = torch.unique_consecutive(cond, return_counts=True)
    labels = labels.tolist()
    if len(set(labels)) < len(labels):  # not ordered by class
        order = torch.argsort(cond, stable=True)
        tensors = [t[order] for t in tensors]
        counts = torch.unique_consecutive(cond[order], return_counts=True)[1]
    counts = counts.tolist()
    return tuple(list(t.split(counts)) for t in tensors)


class ConditionalWGAN(TabularModel):
    """Class-conditional WGAN-GP with a packed critic and an auxiliary classifier.

    Parameters
    ----------
    spans, n_classes
        The encoded layout and the number of class labels (see :mod:`.base`).
    noise_dim : int
        Size of the generator's Gaussian noise.
    generator_dims : sequence of int
        Hidden layers of the generator (with LayerNorm).
    critic_dims : sequence of int
        Hidden layers of the critic (without normalization, as the gradient
        penalty requires).
    pac : int
        Rows scored together by the critic (PacGAN); batches are padded to a
        multiple of it by re-drawing rows of the batch and then ordered by
        class (``sort_packs``), so that a pack holds rows of one class.
    n_critic : int
        Critic updates per generator update.
    gp_weight : float
        Weight of the gradient penalty.
    aux_weight : float
        Weight of the auxiliary classification loss of generated rows (no
        classifier when 0 or with a single class).
    temperature : float
        Temperature of the Gumbel-softmax relaxations used in training.
    ema_decay : float
        Decay of the moving average of generator weights used for sampling and
        validation (0 samples from the raw generator).
    mmd_weight : float
        Weight of the per-class MMD term of the generator loss: for each class
        of the minibatch, :func:`rbf_mmd` between its real rows and the
        (relaxed) rows generated for it, averaged over the classes. 0 turns it
        off.
    """

    #: order each batch by class before packing: the critic then compares packs
    #: of one class (real against generated rows of the same label) instead of
    #: packs of randomly mixed labels
    sort_packs = True
    #: rows generated per class when scoring a small validation class
    min_valid_samples = 512

    def __init__(
        self,
        spans,
        n_classes,
        noise_dim,
        generator_dims,
        critic_dims,
        pac,
        n_critic,
        gp_weight,
        aux_weight,
        temperature,
        ema_decay,
        mmd_weight,
    ):
        super().__init__()
        self.mmd_weight = mmd_weight
        self.layout = SpanLayout(spans)
        width = self.layout.n_encoded
        self.n_classes, self.noise_dim = n_classes, noise_dim
        self.pac, self.n_critic = int(pac), int(n_critic)
        self.gp_weight, self.aux_weight = gp_weight, aux_weight
        self.temperature, self.ema_decay = temperature, ema_decay
        leaky = partial(nn.LeakyReLU, 0.2)
        self.generator = MLP(
            noise_dim + n_classes, width, generator_dims, activation=leaky, layer_norm=True
        )
        self.critic = MLP(self.pac * (width + n_classes), 1, critic_dims, activation=leaky)
        use_classifier = n_classes > 1 and aux_weight > 0
        self.classifier = MLP(width, n_classes, (128,)) if use_classifier else None
        self.ema = WeightAverage(self.generator)
        # row c is the one-hot vector of class c (fed to the generator and the critic)
        self.register_buffer("one_hot", torch.eye(n_classes), persistent=False)

    # ------------------------------------------------------------- setup
    def configure_optimizers(self, learning_rate):
        critic = list(self.critic.parameters())
        if self.classifier is not None:
            critic += list(self.classifier.parameters())
        betas = (0.5, 0.9)
        return [
            FlatAdam(critic, learning_rate, betas=betas),
            FlatAdam(self.generator.parameters(), learning_rate, betas=betas),
        ]

    # -------------------------------------------------------- generator
    def _raw(self, n, cond, generator, averaged=False, scale=1.0):
        """Pre-activation generator output of ``n`` rows for class indices ``cond``."""
        z = torch.randn((n, self.noise_dim), generator=generator, device=cond.device)
        if scale != 1.0:
            z = scale * z
        inputs = torch.cat([z, self.one_hot[cond]], dim=-1)
        if averaged and self.ema_decay > 0:
            return self.ema(inputs)
        return self.generator(inputs)

    def _activate(self, raw, generator, hard):
        """Span-wise output layer: bounded numeric values, relaxed or hard discrete draws.

        Every transform runs on all columns at once and each column keeps the
        one of its kind: ``NUMERIC_BOUND * tanh(raw / NUMERIC_BOUND)`` for
        numeric columns; for binary ones a Bernoulli draw (``hard``) or a
        logistic-noise relaxation at ``temperature``; for categorical blocks a
        one-hot draw (``hard``) or a Gumbel-softmax at ``temperature``.
        """
        layout = self.layout
        numeric = NUMERIC_BOUND * torch.tanh(raw / NUMERIC_BOUND)
        gumbel = gumbel_noise(raw.shape, generator, raw.device)
        if hard:
            binary = (gumbel_noise(raw.shape, generator, raw.device) - gumbel < raw).to(raw.dtype)
            discrete = sample_blocks(raw, layout.block_of_column, layout.n_blocks, generator)
        else:
            logistic = gumbel - gumbel_noise(raw.shape, generator, raw.device)
            binary = torch.sigmoid((raw + logistic) / self.temperature)
            discrete = block_softmax(
                (raw + gumbel) / self.temperature, layout.block_of_column, layout.n_blocks
            )
        discrete = torch.where(layout.binary_mask, binary, discrete)
        return torch.where(layout.numeric_mask, numeric, discrete)

    def _fake(self, cond, generator):
        """Relaxed generated rows for training (gradients reach the generator)."""
        return self._activate(self._raw(len(cond), cond, generator), generator, hard=False)

    @torch.no_grad()
    def sample(self, n, cond, generator, *, noise_scale):
        """Hard rows from the averaged generator; ``noise_scale`` is the standard
        deviation of the noise (1 in training)."""
        raw = self._raw(n, cond, generator, averaged=True, scale=noise_scale)
        return self._activate(torch.nan_to_num(raw), generator, hard=True)

    # ----------------------------------------------------------- critic
    def _pad(self, x, cond, generator):
        """Re-draw rows of the batch so that its size is a multiple of ``pac``, then
        order the rows by class so that packs hold rows of one class (all but at
        most ``n_classes - 1`` packs at class boundaries)."""
        extra = (-len(x)) % self.pac
        if extra:
            rows = torch.randint(len(x), (extra,), generator=generator, device=x.device)
            x, cond = torch.cat([x, x[rows]]), torch.cat([cond, cond[rows]])
        if self.pac > 1 and self.sort_packs:
            order = torch.argsort(cond, stable=True)
            x, cond = x[order], cond[order]
        return x, cond

    def score(self, x, cond):
        """Critic value of each pack of ``pac`` consecutive rows, shape ``(n_packs,)``."""
        rows = torch.cat([x, self.one_hot[cond]], dim=-1)
        return self.critic(rows.reshape(-1, self.pac * rows.shape[-1])).squeeze(-1)

    def _critic_loss(self, x, fake, cond, generator, classify=True):
        """WGAN-GP critic loss and the Wasserstein estimate (real minus fake score)."""
        n_packs = len(x) // self.pac
        alpha = torch.rand((n_packs, 1, 1), generator=generator, device=x.device)
        mixed = torch.lerp(
            fake.reshape(n_packs, self.pac, -1), x.reshape(n_packs, self.pac, -1), alpha
        ).reshape_as(x)
        mixed.requires_grad_(True)
        # one critic pass over real, generated and interpolated packs
        real_score, fake_score, mixed_score = self.score(
            torch.cat([x, fake, mixed]), cond.repeat(3)
        ).split(n_packs)
        distance = real_score.mean() - fake_score.mean()
        (grad,) = torch.autograd.grad(mixed_score.sum(), mixed, create_graph=True)
        norms = grad.reshape(n_packs, -1).norm(dim=-1)
        penalty = (norms - 1.0).pow(2).mean()
        loss = -distance + self.gp_weight * penalty
        if classify and self.classifier is not None:
            loss = loss + F.cross_entropy(self.classifier(x), cond)
        return loss, distance

    def _generator_loss(self, fake, cond, x):
        """Critic score, auxiliary cross-entropy and per-class MMD to the real rows ``x``."""
        loss = -self.score(fake, cond).mean()
        if self.classifier is not None:
            loss = loss + self.aux_weight * F.cross_entropy(self.classifier(fake), cond)
        if self.mmd_weight > 0:
            parts = list(zip(*_class_runs(cond, x, fake)))
            mmd = sum(rbf_mmd(real, generated) for real, generated in parts) / len(parts)
            loss = loss + self.mmd_weight * mmd
        return loss

    # --------------------------------------------------------- training
    def train_step(self, x, cond, optimizers, generator):
        """``n_critic`` critic updates, then one generator update; returns the
        Wasserstein estimate of the last critic update."""
        critic_opt, generator_opt = optimizers
        x, cond = self._pad(x, cond, generator)
        with torch.no_grad():  # the fakes of all critic updates in one forward pass
            fakes = self._fake(cond.repeat(self.n_critic), generator).chunk(self.n_critic)
        for k, fake in enumerate(fakes):
            critic_opt.zero_grad()
            loss, distance = self._critic_loss(x, fake, cond, generator, classify=k == 0)
            loss.backward()
            critic_opt.step()
        generator_opt.zero_grad()
        # the generator's loss passes through the critic and the classifier, whose
        # own gradients it does not need (their next update starts from zero)
        judges = [m for m in (self.critic, self.classifier) if m is not None]
        for module in judges:
            module.requires_grad_(False)
        try:
            self._generator_loss(self._fake(cond, generator), cond, x).backward()
        finally:
            for module in judges:
                module.requires_grad_(True)
        generator_opt.step()
        if self.ema_decay > 0:
            self.ema.update(self.ema_decay)
        return distance.detach()

    @torch.no_grad()
    def validation_loss(self, x, cond, generator):
        """Mean over the classes in ``cond`` of the RBF-kernel MMD between the real
        rows and as many rows generated (hard, averaged weights) for that class."""
        scores = []
        for label in torch.unique(cond):
            real = x[cond == label]
            n_fake = max(len(real), self.min_valid_samples)
            fake = self.sample(n_fake, label.repeat(n_fake), generator, noise_scale=1.0)
            scores.append(rbf_mmd(real, fake))
        return torch.stack(scores).mean()
