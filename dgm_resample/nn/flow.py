"""Class-conditional normalizing flow over an encoded table (built with ``zuko``).

p(z | y) is a stack of masked autoregressive transforms (``zuko.flows.
MaskedAutoregressiveTransform``) from a standard normal base, conditioned on a
learned label embedding: monotonic affine transforms (a MAF, the default) or
rational-quadratic splines (a neural spline flow). Each transform splits the
coordinates into ``PASSES`` groups, each transformed given the earlier groups,
so sampling costs ``PASSES`` network passes per transform whatever the width
of the table; the orders alternate discrete-first and numeric-first
(:func:`transform_orders`).

The flow lives on continuous coordinates ``z`` derived from an encoded row:

- a numeric column is one coordinate, its quantile-normal value (plus a little
  Gaussian noise during training, ``numeric_noise``, so that repeated values
  such as integer columns, a constant column or missing values filled with 0
  are not point masses of unbounded density);
- a binary column (or missing-value indicator) is one coordinate whose sign
  carries the value: 1 is the cell [0, inf), 0 the cell (-inf, 0);
- a categorical column with ``K`` levels is ``K - 1`` coordinates read as
  successive binary decisions (stick-breaking): level ``k < K - 1`` is the cell
  where coordinates ``0 .. k - 1`` are negative and coordinate ``k`` is not,
  whatever the later ones; the last level is the cell where all are negative.

The cells of each discrete column tile the real line or space, so sampling
decodes every ``z`` to a valid encoded row (0/1 by sign, an exact one-hot
vector from the first non-negative coordinate of a block), and the probability
of a discrete value is the mass the flow puts on its cell. Training maximizes
the variational-dequantization lower bound E_q[log p(z | y) - log q(z | x, y)]
<= log p(x | y), where the dequantizer q draws each discrete coordinate from
N(a, 1) restricted to its cell (N(a, 1) itself for a coordinate left free),
with a learned offset ``a`` per class and coordinate. These truncated normals
are the exact conditionals of a flow whose coordinate is N(a, 1) given the
label, so the bound can be tight where the flow is close to Gaussian (as the
affine flow is), which keeps the frequencies of discrete values unbiased.
(Uniform dequantization of one-hot vectors instead leaves mass outside the
valid one-hot cells, which arg-max decoding reassigns, and an affine flow fits
the uniform plateaus poorly; both distorted category frequencies.)
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import torch
import zuko
from torch import nn, special
from torch.nn import functional as F

from .base import TabularModel
from .layers import LOG_2PI, MaskedLinear, SpanLayout
from .optim import FlatAdam
from .rng import local_draws

#: dequantizer offsets lie in (-4, 4): a restricted cell has mass >= Phi(-4) under q's normal
_MAX_OFFSET = 4.0
#: uniform draws are kept >= eps so that the inverse normal CDF stays finite
_U_EPS = 1e-7
#: learning-rate multiplier of the dequantizer offsets (see ``configure_optimizers``)
_DEQUANT_LR_SCALE = 10.0
#: groups of coordinates of each masked transform (sampling runs one pass per group)
PASSES = 4
TRANSFORMS = ("affine", "spline")
#: minimum slope of the affine transforms (zuko's MonotonicAffineTransform default)
_AFFINE_SLOPE = 1e-3
_LOG_AFFINE_SLOPE = math.log(_AFFINE_SLOPE)


def _long(values, shape=None):
    tensor = torch.tensor(values, dtype=torch.long)
    return tensor.reshape(shape) if shape is not None else tensor


def transform_orders(n_numeric, n_features, n_transforms, seed=0):
    """Order of the flow coordinates in each transform (a rank per coordinate).

    Coordinates ``0 .. n_numeric - 1`` are numeric, the others discrete. Even
    transforms rank the discrete coordinates first, odd ones the numeric
    coordinates first, each kind in a fresh permutation drawn from a fixed
    NumPy seed (the architecture never depends on a random state). With
    ``PASSES`` groups of ranks, a coordinate is transformed given the label and
    the coordinates of the earlier groups: numeric columns given the discrete
    ones in one transform, and the other way around in the next.
    """
    rng = np.random.RandomState(seed)
    numeric, discrete = np.arange(n_numeric), np.arange(n_numeric, n_features)
    orders = []
    for i in range(n_transforms):
        kinds = [rng.permutation(discrete), rng.permutation(numeric)]
        sequence = np.concatenate(kinds if i % 2 == 0 else kinds[::-1])
        rank = np.empty(n_features, dtype=np.int64)
        rank[sequence] = np.arange(n_features)
        orders.append(torch.as_tensor(rank))
    return orders


class ConditionalFlow(TabularModel):
    """Normalizing flow p(x | y) on the dequantized coordinates of an encoded table.

    See the module docstring for the coordinates, cells and dequantizer.

    Parameters
    ----------
    spans, n_classes
        The encoded layout and the number of class labels (see :mod:`.base`).
    n_transforms : int
        Masked transforms stacked on the base.
    hidden_dims : sequence of int
        Hidden layers of the masked network that gives each transform's
        parameters from the earlier coordinates and the label.
    transform_type : {"affine", "spline"}
        Element-wise map of each transform: monotonic affine (MAF) or a
        monotonic rational-quadratic spline on ``[-clamp, clamp]``, identity
        outside (NSF; more flexible, several times slower on CPU).
    n_bins : int
        Bins of each spline (``transform_type="spline"`` only).
    """

    #: width of the learned label embedding fed to every transform as context
    embedding_dim = 8
    #: standard deviation of the Gaussian noise added to numeric columns in
    #: :meth:`loss` (not in :meth:`log_prob`)
    numeric_noise = 0.05
    #: numeric inputs and samples are clipped to ``[-clamp, clamp]``
    clamp = 6.0
    #: dequantization draws of the importance-weighted :meth:`log_prob`
    n_score_draws = 8

    def __init__(self, spans, n_classes, n_transforms, hidden_dims, transform_type, n_bins):
        super().__init__()
        if transform_type not in TRANSFORMS:
            raise ValueError(f"transform_type must be one of {TRANSFORMS}, got {transform_type!r}.")
        self.n_transforms, self.transform_type, self.n_bins = n_transforms, transform_type, n_bins
        self.hidden_dims = tuple(hidden_dims)
        embedding_dim, clamp = self.embedding_dim, self.clamp
        self._build_layout(spans)
        self.label = nn.Embedding(n_classes, embedding_dim)
        # offset of the dequantizer per class and discrete coordinate (zero at initialization)
        self.dequant = nn.Embedding(n_classes, self.n_discrete) if self.n_discrete else None
        if transform_type == "spline":
            univariate = partial(zuko.transforms.MonotonicRQSTransform, bound=clamp, slope=1e-3)
            shapes = [(n_bins,), (n_bins,), (n_bins - 1,)]
        else:
            univariate = partial(zuko.transforms.MonotonicAffineTransform, slope=_AFFINE_SLOPE)
            shapes = [(), ()]
        transforms = [
            zuko.flows.MaskedAutoregressiveTransform(
                features=self.n_flow,
                context=embedding_dim,
                passes=PASSES,
                order=order,
                univariate=univariate,
                shapes=shapes,
                hidden_features=self.hidden_dims,
            )
            for order in transform_orders(self.n_numeric, self.n_flow, n_transforms)
        ]
        base = zuko.flows.UnconditionalDistribution(
            zuko.distributions.DiagNormal,
            torch.zeros(self.n_flow),
            torch.ones(self.n_flow),
            buffer=True,
        )
        # masked layers that keep their weights masked instead of masking them per call
        self.flow = MaskedLinear.replace_in(zuko.flows.Flow(transforms, base))

    def _build_layout(self, spans):
        """Span indices from encoded columns to flow coordinates (``layout``).

        Flow coordinates: numeric ones first, then the discrete ones (binary,
        then categorical blocks grouped by width), so ``z[:, n_numeric:]`` are
        the coordinates the dequantizer handles. A table without any coordinate
        (only single-level categorical columns) gets one free dummy coordinate.
        """
        self.layout = layout = SpanLayout(
            spans, numeric_size=1, categorical_size=lambda w: w - 1, by_width=True
        )
        self.n_numeric = layout.n_numeric
        self.n_flow = max(layout.n_out, 1)
        self.n_discrete = self.n_flow - self.n_numeric
        # single-level categorical columns: always 1, no coordinate
        constant = dict(layout.categorical()).get(1, _long([]))
        self.register_buffer("const_x", constant.reshape(-1), persistent=False)
        # for _cells: x @ level_weights is the level of every block; each categorical
        # coordinate knows its block (in that order) and its step within the block
        level_weights, coord_block, coord_step = [], [], []
        for w, columns, _ in self._blocks():
            for block in columns:
                column = torch.zeros(layout.n_encoded)
                column[block] = torch.arange(w, dtype=torch.float32)
                level_weights.append(column)
                coord_block += [len(level_weights) - 1] * (w - 1)
                coord_step += list(range(w - 1))
        weights = (
            torch.stack(level_weights, 1) if level_weights else torch.zeros(layout.n_encoded, 0)
        )
        self.register_buffer("level_weights", weights, persistent=False)
        self.register_buffer("coord_block", _long(coord_block), persistent=False)
        self.register_buffer(
            "coord_step", torch.tensor(coord_step, dtype=torch.float32), persistent=False
        )

    def _blocks(self):
        """Yield ``(width, encoded columns (n, width), flow coordinates (n, width - 1))``."""
        for w, columns, coords in self.layout.categorical_packed():
            if w > 1:
                yield w, columns, coords

    # ------------------------------------------------------------ weights
    @torch.no_grad()
    def initialize(self, generator):
        """Draw every weight from ``generator``, zuko's layers included.

        ``zuko.nn.MaskedLinear`` is an ``nn.Linear`` (covered by the base
        class); ``zuko.nn.Linear`` (used by a one-feature table) gets the same
        uniform initialization. Any other parameterized module is an error, so a
        change in zuko cannot silently bring back the global random state.
        """
        super().initialize(generator)
        if self.dequant is not None:
            self.dequant.weight.zero_()  # q starts from standard normals restricted to the cells
        covered = set()
        for module in self.modules():
            if isinstance(module, zuko.nn.Linear):
                bound = 1.0 / math.sqrt(max(1, module.weight.shape[-1]))
                module.weight.uniform_(-bound, bound, generator=generator)
                if module.bias is not None:
                    module.bias.uniform_(-bound, bound, generator=generator)
            if isinstance(module, (nn.Linear, nn.Embedding, zuko.nn.Linear)):
                covered.update(id(p) for p in module.parameters(recurse=False))
        missing = [name for name, p in self.named_parameters() if id(p) not in covered]
        if missing:
            raise TypeError(f"No initialization from the generator for parameters {missing}.")
        return self

    def configure_optimizers(self, learning_rate):
        """Adam; the dequantizer offsets learn ten times faster than the flow.

        The offsets are a few bounded numbers per class and coordinate that must
        travel to the inverse normal CDF of the class's frequencies (units, from
        0) within the step budget.
        """
        fast = [] if self.dequant is None else list(self.dequant.parameters())
        slow = [p for p in self.parameters() if all(p is not q for q in fast)]
        groups = [{"params": slow}]
        if fast:
            groups.append({"params": fast, "lr": learning_rate * _DEQUANT_LR_SCALE})
        return [FlatAdam(groups, learning_rate, grad_masks=self.gradient_masks())]

    # -------------------------------------------------------- likelihood
    def _cells(self, x):
        """Cell of every discrete coordinate for encoded rows ``x``, shape ``(n, n_discrete)``.

        +1: [0, inf); -1: (-inf, 0); 0: free (any value).
        """
        parts = []
        if self.layout.binary_idx.numel():
            parts.append(torch.where(x[:, self.layout.binary_idx] >= 0.5, 1.0, -1.0))
        if self.coord_step.numel():
            # level of each categorical block (one-hot rows: the position of the 1)
            level = (x @ self.level_weights)[:, self.coord_block]
            step = self.coord_step
            parts.append(torch.where(step < level, -1.0, (step == level).to(x.dtype)))
        if not parts:  # the dummy coordinate of a table without coordinates
            return x.new_zeros((x.shape[0], self.n_discrete))
        return torch.cat(parts, dim=-1)

    def _dequantize(self, x, cond, generator, noise, u=None):
        """Flow coordinates ``z`` for encoded rows ``x`` and ``log q(z | x)`` per row.

        Every draw lies in the cells of ``x`` (see the module docstring), so
        ``log p(z) - log q(z | x)`` is a lower bound on log p(x) in expectation.
        ``u`` (uniform, ``(n, n_discrete)``) replaces the dequantization draws.
        """
        x = torch.nan_to_num(x).clamp(-self.clamp, self.clamp)
        device = x.device
        parts, log_q = [], None
        if self.n_numeric:
            numeric = self.layout.take(x, "numeric_idx")
            if noise and self.numeric_noise > 0:
                eps = torch.randn(numeric.shape, generator=generator, device=device)
                numeric = numeric + self.numeric_noise * eps
            parts.append(numeric)
        if self.n_discrete:
            cells = self._cells(x)
            a = _MAX_OFFSET * torch.tanh(self.dequant(cond) / _MAX_OFFSET)
            # r ~ N(0, 1) truncated to r >= -cell * a (untruncated for free coordinates),
            # z = a + cell * r lies in the cell
            free = cells == 0
            sign = torch.where(free, 1.0, cells)
            log_mass = torch.where(free, 0.0, special.log_ndtr(sign * a))
            if u is None:
                u = torch.rand(cells.shape, generator=generator, device=device)
            # the inverse CDF of the truncated normal at u: Phi^-1(u * mass)
            r = -special.ndtri(u.clamp_min(_U_EPS) * log_mass.exp())
            parts.append(a + sign * r)
            log_q = (-0.5 * r.pow(2) - 0.5 * LOG_2PI - log_mass).sum(-1)
        if log_q is None:
            log_q = x.new_zeros(x.shape[0])
        return torch.cat(parts, dim=-1), log_q

    def flow_log_prob(self, z, cond):
        """log p(z | cond) of flow coordinates ``z`` under the class indices ``cond``.

        The affine flow is evaluated here directly (the same arithmetic as
        zuko's ``Flow(...).log_prob``, in a fraction of the operations): each
        masked transform maps ``z`` to ``z * exp(a) + b`` with its hyper
        network's shift ``b`` and log-scale ``a`` (zuko's
        ``MonotonicAffineTransform``: ``a = s / (1 + |s / log(slope)|)`` for the
        raw output ``s``), the log-determinant adds ``a``, and the base is a
        standard normal. The spline flow (and the element-wise transforms zuko
        builds for a one-coordinate flow) go through zuko.
        """
        context = self.label(cond)
        transforms = self.flow.transform.transforms
        masked = zuko.flows.MaskedAutoregressiveTransform
        # (zuko builds an element-wise transform instead for a one-coordinate flow)
        if self.transform_type != "affine" or not all(isinstance(t, masked) for t in transforms):
            return self.flow(context).log_prob(z)
        log_det = 0.0
        for transform in transforms:
            params = transform.hyper(torch.cat([z, context], dim=-1)).unflatten(-1, (-1, 2))
            shift, raw = params.unbind(-1)
            log_scale = raw / (1 + (raw / _LOG_AFFINE_SLOPE).abs())
            z = z * log_scale.exp() + shift
            log_det = log_det + log_scale.sum(-1)
        return log_det - 0.5 * z.pow(2).sum(-1) - 0.5 * LOG_2PI * z.shape[-1]

    def _log_weights(self, x, cond, generator, noise, u=None):
        """``log p(z | cond) - log q(z | x, cond)`` for one dequantization draw per row."""
        z, log_q = self._dequantize(x, cond, generator, noise, u)
        return self.flow_log_prob(z, cond) - log_q

    def log_prob(self, x, cond, *, generator=None, n_draws=None):
        """Log-likelihood of encoded rows ``x`` under class indices ``cond``, shape ``(batch,)``.

        Measured in the encoded space. Numeric columns enter as a density in
        the quantile-normal space, at the given values (without the training
        noise); a discrete value enters as the probability of its cell. The
        cell probabilities are estimated by importance sampling from the
        dequantizer, ``log mean_k p(z_k) / q(z_k | x)`` over ``n_draws`` draws:
        a lower bound in expectation on the log-likelihood that tightens as
        ``n_draws`` grows. The draws come from ``generator``; with ``None``,
        the same ``n_draws`` uniform vectors from a fixed seed serve every row,
        so a row's value is deterministic and does not depend on the other rows
        of the batch. With only numeric columns the value is the exact
        log-density.
        """
        n = x.shape[0]
        draws = 1 if self.n_discrete == 0 else int(n_draws or self.n_score_draws)
        shape = (draws, n, self.n_discrete)
        if generator is None:
            fixed = torch.Generator(device=x.device)
            fixed.manual_seed(0)
            u = torch.rand((draws, 1, self.n_discrete), generator=fixed, device=x.device)
            u = u.expand(shape)
        else:
            u = torch.rand(shape, generator=generator, device=x.device)
        u = u.reshape(draws * n, self.n_discrete)
        log_w = self._log_weights(x.repeat(draws, 1), cond.repeat(draws), None, False, u)
        return torch.logsumexp(log_w.reshape(draws, n), dim=0) - math.log(draws)

    def loss(self, x, cond, generator=None):
        """Negative dequantization lower bound of one draw (numeric columns noised), batch mean."""
        return -self._log_weights(x, cond, generator, noise=True).mean()

    # ---------------------------------------------------------- sampling
    @torch.no_grad()
    def sample(self, n, cond, generator, *, temperature):
        """Draw ``n`` encoded rows: base noise from ``generator``, inverse flow, decoding.

        The base draws of the numeric coordinates are scaled by ``temperature``
        (1 samples the learned density; below 1 concentrates the numeric values
        on its high-density region); the coordinates of discrete cells keep
        their standard normal draws.
        """
        noise = torch.randn((n, self.n_flow), generator=generator, device=cond.device)
        if temperature != 1.0:
            noise[:, : self.n_numeric] *= temperature
        return self.decode(self.flow(self.label(cond)).transform.inv(noise))

    def decode(self, z):
        """Encoded rows of flow coordinates ``z``: numeric values clipped, cells read off."""
        n, layout = z.shape[0], self.layout
        z = torch.nan_to_num(z, nan=0.0, posinf=self.clamp, neginf=-self.clamp)
        out = z.new_zeros((n, layout.n_encoded))
        if self.n_numeric:
            out[:, layout.numeric_idx] = z[:, : self.n_numeric].clamp(-self.clamp, self.clamp)
        if layout.binary_idx.numel():
            out[:, layout.binary_idx] = (z[:, layout.binary_out] >= 0).to(out.dtype)
        for w, x_idx, z_idx in self._blocks():
            positive = z[:, z_idx] >= 0  # (n, blocks, w - 1)
            first = positive.to(torch.uint8).argmax(-1)  # first non-negative coordinate
            level = torch.where(positive.any(-1), first, w - 1)
            one_hot = F.one_hot(level, w).to(out.dtype)
            out[:, x_idx.reshape(-1)] = one_hot.reshape(n, -1)
        if self.const_x.numel():
            out[:, self.const_x] = 1.0
        return out

    def __repr__(self):
        # zuko's autoregressive transforms draw random numbers in their repr
        with local_draws():
            return super().__repr__()
