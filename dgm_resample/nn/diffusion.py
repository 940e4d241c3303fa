"""Class-conditional diffusion for mixed-type tables.

Numeric columns follow a Gaussian diffusion (epsilon prediction) in the
encoder's normalized space; binary columns and categorical blocks follow a
masked (absorbing-state) diffusion: at noise level ``t`` each discrete variable
is independently replaced by a ``[MASK]`` state with probability
``1 - alpha_bar(t)``, the same cosine ``alpha_bar`` that scales the Gaussian
part. One MLP denoiser, fed the noisy row, the mask indicators, a sinusoidal
time embedding and a label embedding, predicts the Gaussian noise of the
numeric columns and the logits of the masked discrete variables.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from .base import TabularModel
from .layers import (
    MLP,
    SpanLayout,
    WeightAverage,
    block_log_softmax,
    sample_bernoulli,
    sample_one_hot,
)
from .optim import FlatAdam

#: numeric predictions of x0 are clipped to this range (normalized space)
X0_CLIP = 6.0


def cosine_alpha_bar(n_timesteps, offset=0.008, floor=1e-4):
    """``alpha_bar(t)`` for ``t = 0 .. n_timesteps`` (Nichol & Dhariwal's cosine schedule).

    ``alpha_bar(0) = 1``; the last value is floored so that the Gaussian
    signal never vanishes exactly.
    """
    u = torch.arange(n_timesteps + 1, dtype=torch.float64) / n_timesteps
    f = torch.cos((u + offset) / (1 + offset) * math.pi / 2) ** 2
    return (f / f[0]).clamp(floor, 1.0).float()


def sinusoidal_features(t, dim):
    """Sinusoidal features of ``t`` in [0, 1] (shape ``(batch,)``) -> ``(batch, dim)``."""
    half = dim // 2
    freqs = torch.exp(torch.arange(half, device=t.device, dtype=t.dtype) * (-math.log(1e4) / half))
    angles = 1000.0 * t[:, None] * freqs[None, :]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=-1)


class Denoiser(nn.Module):
    """MLP on ``[noisy row, mask bits]`` with time and label embeddings added.

    Output has the encoded layout: predicted noise for numeric columns, a logit
    for each binary column and logits for each categorical block. The time
    ``t`` has one entry per row, or a single entry shared by every row (as in
    sampling, where its embedding is then computed once). With
    ``guidance_scale`` the output is classifier-free guided,
    ``c + w (c - u)`` for the conditional prediction ``c`` and the prediction
    ``u`` under the null label; both share the projection of the row.
    """

    #: sinusoidal features of the time step
    time_dim = 32

    def __init__(self, in_features, out_features, n_classes, hidden_dims):
        super().__init__()
        width, time_dim = hidden_dims[0], self.time_dim
        self.proj = nn.Linear(in_features, width)
        self.time = MLP(time_dim, width, (width,))
        # index n_classes is the "no label" token of classifier-free guidance
        self.null_label = n_classes
        self.label = nn.Embedding(n_classes + 1, width)
        self.net = MLP(width, out_features, tuple(hidden_dims[1:]) or (width,))

    def forward(self, x, t, cond, guidance_scale=None):
        h = self.proj(x) + self.time(sinusoidal_features(t, self.time_dim))
        conditional = self.net(F.silu(h + self.label(cond)))
        if guidance_scale is None:
            return conditional
        unconditional = self.net(F.silu(h + self.label.weight[self.null_label]))
        return torch.lerp(unconditional, conditional, 1.0 + guidance_scale)


class TabularDiffusion(TabularModel):
    """Gaussian + masked diffusion over an encoded mixed-type table.

    Parameters
    ----------
    spans, n_classes
        The encoded layout and the number of class labels (see :mod:`.base`).
    hidden_dims : sequence of int
        Widths of the denoiser (the first is also the embedding width).
    n_timesteps : int
        Length of the training noise schedule.
    label_dropout : float
        Rate at which the label is replaced by the null token in training.
    discrete_weight : float
        Weight of the discrete cross-entropy against the numeric MSE.
    ema_decay : float
        Decay of the exponential moving average of the denoiser weights.
    """

    def __init__(
        self,
        spans,
        n_classes,
        hidden_dims,
        n_timesteps,
        label_dropout,
        discrete_weight,
        ema_decay,
    ):
        super().__init__()
        # one discrete variable per binary and categorical span (binaries first, then
        # categorical spans by width group): its index in the mask is its packed entry
        self.layout = layout = SpanLayout(
            spans, numeric_size=0, categorical_size=lambda w: 1, by_width=True
        )
        self.n_classes = n_classes
        self.n_timesteps, self.label_dropout = int(n_timesteps), float(label_dropout)
        self.discrete_weight, self.ema_decay = float(discrete_weight), float(ema_decay)
        cols, col_var = [layout.binary_idx], [layout.binary_out]
        for w, idx, var in layout.categorical_packed():
            cols.append(idx.reshape(-1))
            col_var.append(var.expand(-1, w).reshape(-1))
        self.n_vars = n_vars = layout.n_out
        self.register_buffer("discrete_cols", torch.cat(cols).long(), persistent=False)
        self.register_buffer("col_var", torch.cat(col_var).long(), persistent=False)
        # the variable of every encoded column; numeric columns read an extra
        # variable, n_vars, that is never masked
        var_of_column = torch.full((layout.n_encoded,), n_vars, dtype=torch.long)
        var_of_column[self.discrete_cols] = self.col_var
        self.register_buffer("var_of_column", var_of_column, persistent=False)
        self.register_buffer("alpha_bar", cosine_alpha_bar(self.n_timesteps), persistent=False)
        width = layout.n_encoded
        self.denoiser = Denoiser(width + n_vars, width, n_classes, tuple(hidden_dims))
        self.ema = WeightAverage(self.denoiser)

    # ------------------------------------------------------------ weights
    def configure_optimizers(self, learning_rate):
        return [FlatAdam(self.denoiser.parameters(), learning_rate)]

    def train_step(self, x, cond, optimizers, generator):
        """The default update, then the weight average follows the denoiser."""
        loss = super().train_step(x, cond, optimizers, generator)
        self.ema.update(self.ema_decay)
        return loss

    # ------------------------------------------------------------ noising
    def _network_input(self, x_t, masked):
        return torch.cat([x_t, masked.to(x_t.dtype)], dim=-1)

    def _noise(self, x, t, generator):
        """``(network input, noise, mask, masked columns)`` of ``x`` at integer steps ``t``.

        ``noise`` is drawn for every encoded column (the numeric ones use it),
        ``mask`` ``(batch, n_vars)`` says which discrete variables are masked and
        ``masked columns`` ``(batch, n_encoded)`` is 1 on their columns.
        """
        layout, n = self.layout, x.shape[0]
        ab = self.alpha_bar[t][:, None]
        eps = torch.randn(x.shape, generator=generator, device=x.device)
        u = torch.rand((n, self.n_vars), generator=generator, device=x.device)
        masked = u >= ab
        # a masked discrete variable reads 0 (its mask bit says so); numeric
        # columns follow the Gaussian diffusion
        dropped = F.pad(masked, (0, 1)).to(x.dtype).index_select(1, self.var_of_column)
        noisy = torch.where(
            layout.numeric_mask, ab.sqrt() * x + (1 - ab).sqrt() * eps, x * (1 - dropped)
        )
        return self._network_input(noisy, masked), eps, masked, dropped

    def _loss(self, net, x, cond, generator, label_dropout):
        layout, n = self.layout, x.shape[0]
        t = torch.randint(1, self.n_timesteps + 1, (n,), generator=generator, device=x.device)
        if label_dropout > 0:
            drop = torch.rand(n, generator=generator, device=x.device) < label_dropout
            cond = torch.where(drop, torch.full_like(cond, self.n_classes), cond)
        inputs, eps, masked, dropped = self._noise(x, t, generator)
        out = net(inputs, t.to(x.dtype) / self.n_timesteps, cond)
        terms = []
        if layout.n_numeric:
            residual = layout.take(out, "numeric_idx") - layout.take(eps, "numeric_idx")
            terms.append(residual.pow(2).sum(-1))
        discrete = []
        n_binary = layout.binary_idx.numel()
        if n_binary:
            ce = F.binary_cross_entropy_with_logits(
                layout.take(out, "binary_idx"), layout.take(x, "binary_idx"), reduction="none"
            )
            discrete.append((ce * masked[:, :n_binary]).sum(-1))
        if layout.n_blocks:
            # cross-entropy of each masked block: log-sum-exp minus the observed logit
            shifted, log_sums = block_log_softmax(out, layout.block_of_column, layout.n_blocks)
            observed = (shifted * (x * dropped * layout.categorical_mask)).sum(-1)
            discrete.append((log_sums * masked[:, n_binary:]).sum(-1) - observed)
        if discrete:
            terms.append(self.discrete_weight * sum(discrete))
        return sum(terms).mean()

    def loss(self, x, cond, generator=None):
        return self._loss(self.denoiser, x, cond, generator, self.label_dropout)

    @torch.no_grad()
    def validation_loss(self, x, cond, generator):
        """Conditional training loss of the averaged weights (no label dropout)."""
        return self._loss(self.ema, x, cond, generator, 0.0)

    # ----------------------------------------------------------- sampling
    def _predict(self, x_t, masked, t, cond, guidance_scale):
        """Guided prediction of the averaged denoiser at integer step ``t``."""
        inputs = self._network_input(x_t, masked)
        time = torch.full((1,), t / self.n_timesteps, device=x_t.device)
        return self.ema(inputs, time, cond, None if guidance_scale == 0 else guidance_scale)

    def sampling_schedule(self, n_sampling_steps):
        """Strided integer steps ``T = t_0 > t_1 > ... > t_S = 0`` (at most ``n_timesteps``)."""
        steps = max(1, min(n_sampling_steps, self.n_timesteps))
        grid = torch.linspace(self.n_timesteps, 0, steps + 1).round().long()
        return torch.unique_consecutive(grid).tolist()

    @torch.no_grad()
    def sample(self, n, cond, generator, *, n_sampling_steps, guidance_scale, eta):
        """Denoise ``n`` rows in ``n_sampling_steps`` steps strided over the schedule.

        ``guidance_scale`` is classifier-free guidance ``w``: predictions are
        ``c + w (c - u)`` with ``c`` conditional and ``u`` unconditional (0:
        plain conditional); ``eta`` the stochasticity of the numeric update
        (DDIM's eta: 0 deterministic, 1 ancestral, adding fresh noise at each step).
        """
        layout, device = self.layout, cond.device
        dcols = self.discrete_cols
        x = torch.zeros((n, layout.n_encoded), device=device)
        if layout.n_numeric:
            noise = torch.randn((n, layout.n_numeric), generator=generator, device=device)
            layout.put(x, "numeric_idx", noise)
        masked = torch.ones((n, self.n_vars), dtype=torch.bool, device=device)
        schedule = self.sampling_schedule(n_sampling_steps)
        for t, s in zip(schedule[:-1], schedule[1:]):
            out = self._predict(x, masked, t, cond, guidance_scale)
            ab_t, ab_s = self.alpha_bar[t], self.alpha_bar[s]
            if layout.n_numeric:
                x_num = layout.take(x, "numeric_idx")
                eps = torch.nan_to_num(layout.take(out, "numeric_idx"))
                x0 = ((x_num - (1 - ab_t).sqrt() * eps) / ab_t.sqrt()).clamp(-X0_CLIP, X0_CLIP)
                eps = (x_num - ab_t.sqrt() * x0) / (1 - ab_t).sqrt()
                x_s = x0 if s == 0 else self._step(x0, eps, ab_t, ab_s, eta, generator)
                layout.put(x, "numeric_idx", x_s)
            if self.n_vars:
                draw = self._draw_discrete(out, n, generator)
                p_unmask = 1.0 if s == 0 else float((ab_s - ab_t) / (1 - ab_t))
                u = torch.rand((n, self.n_vars), generator=generator, device=device)
                reveal = masked & (u < p_unmask)
                cols = reveal[:, self.col_var]
                x[:, dcols] = torch.where(cols, draw[:, dcols], x[:, dcols])
                masked = masked & ~reveal
        if layout.n_numeric:
            x_num = torch.nan_to_num(layout.take(x, "numeric_idx")).clamp(-X0_CLIP, X0_CLIP)
            layout.put(x, "numeric_idx", x_num)
        return x

    def _step(self, x0, eps, ab_t, ab_s, eta, generator):
        """Numeric values at step ``s`` from the predicted ``x0`` and noise (DDIM with ``eta``)."""
        if eta == 0:
            return ab_s.sqrt() * x0 + (1 - ab_s).sqrt() * eps
        sigma = eta * ((1 - ab_s) / (1 - ab_t) * (1 - ab_t / ab_s)).clamp_min(0).sqrt()
        fresh = torch.randn(x0.shape, generator=generator, device=x0.device)
        direction = (1 - ab_s - sigma.pow(2)).clamp_min(0).sqrt()
        return ab_s.sqrt() * x0 + direction * eps + sigma * fresh

    def _draw_discrete(self, out, n, generator):
        """A full draw of every discrete variable from the predicted logits."""
        layout, draw = self.layout, torch.zeros_like(out)
        if layout.binary_idx.numel():
            idx = layout.binary_idx
            draw[:, idx] = sample_bernoulli(torch.nan_to_num(out[:, idx]), generator)
        for _, idx in layout.categorical():
            logits = torch.nan_to_num(out[:, idx], nan=0.0, posinf=50.0, neginf=-50.0)
            draw[:, idx.reshape(-1)] = sample_one_hot(logits, generator).reshape(n, -1)
        return draw
