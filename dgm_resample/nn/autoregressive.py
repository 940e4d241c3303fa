"""Class-conditional autoregressive model over the spans of an encoded table.

p(x | y) = prod_j p(x_j | x_<j, y), where ``j`` runs over spans (a numeric
column, a binary column or a whole one-hot categorical block). All conditionals
come from one MADE network (masked linear layers), so the likelihood of a batch
is one forward pass; sampling computes each hidden unit once, as soon as the
spans it depends on are drawn, so it costs about one forward pass too.
"""

from __future__ import annotations

import math

import torch
from torch import nn, special
from torch.nn import functional as F

from .base import TabularModel
from .layers import (
    LOG_2PI,
    MaskedLinear,
    SpanLayout,
    block_log_softmax,
    sample_bernoulli,
    sample_index,
    sample_one_hot,
)

_KIND_RANK = {"binary": 0, "categorical": 1, "numeric": 2}
_U_EPS = 1e-7  # the quantile encoding's own bound: norm.ppf(1e-7) = -5.2


def span_order(spans):
    """Autoregressive order of the spans: binary, then categorical, then numeric.

    Discrete spans come first, so every numeric value is modelled given all
    discrete columns, and in particular after its own missing-value indicator
    (a binary span). Ties keep the encoder's order.
    """
    return sorted(range(len(spans)), key=lambda i: (_KIND_RANK[spans[i].kind], i))


def _unit_degrees(width, n_spans):
    """MADE degree of each hidden unit of a layer: 1 .. n_spans - 1, cycled."""
    return torch.arange(width) % max(n_spans - 1, 1) + 1


class _IncrementalPass:
    """The conditionals of a MADE for sampling, computing each hidden unit once.

    A hidden unit of degree ``e`` sees inputs (or units of the layer below) of
    degree <= ``e`` only, so once the spans of degree <= ``e`` are drawn its
    value is final; an output of degree ``d`` needs units of degree < ``d`` only.
    Drawing the spans in order, each unit is computed once, when its degree's
    span has been drawn, instead of in every one of the per-span forward
    passes: the whole draw costs about one forward pass. Inputs and units are
    kept sorted by degree, so every block a step reads or writes is a slice.
    The values equal :meth:`AutoregressiveModel.forward`'s up to floating-point
    rounding.
    """

    def __init__(self, model, cond):
        self.model, n, device = model, len(cond), cond.device
        if n and bool((cond == cond[0]).all()):
            cond = cond[:1]  # one class: its label vectors broadcast over the rows
        n_spans = len(model.layout.spans)
        in_order = torch.argsort(model.in_degree, stable=True)
        self.in_position = torch.argsort(in_order)  # encoded column -> sorted position
        self.in_count = torch.bincount(model.in_degree, minlength=n_spans + 2).cumsum(0)
        self.inputs = torch.zeros((n, model.n_encoded), device=device)  # sorted by degree
        self.layers, below = [], in_order
        for layer, label in zip(model.hidden, model.hidden_labels):
            degree = _unit_degrees(layer.weight.shape[0], n_spans).to(device)
            order = torch.argsort(degree, stable=True)
            weight = (layer.weight * layer.mask)[order][:, below]
            offset = layer.bias[order] + F.embedding(cond, label.weight[:, order])
            count = torch.bincount(degree, minlength=n_spans + 2).cumsum(0)
            self.layers.append(
                (weight, offset, count.tolist(), torch.zeros((n, len(order)), device=device))
            )
            below = order
        out_weight = model.output.weight * model.output.mask
        self.output_weight = out_weight[:, below] if self.layers else out_weight
        self.skip_weight = (model.skip.weight * model.skip.mask)[:, in_order]
        self.output_offset = model.output.bias + model.skip.bias + model.output_label(cond)
        self.in_count = self.in_count.tolist()

    def outputs(self, index):
        """Parameters of span ``index``, given every span of lower degree drawn."""
        lo, hi = self.model.layout.span_slices[index]
        d = int(self.model.out_degree[lo])
        seen = self.in_count[d - 1]  # inputs of degree < d
        out = self.output_offset[:, lo:hi]
        out = out + self.inputs[:, :seen] @ self.skip_weight[lo:hi, :seen].T
        if self.layers:
            _, _, count, h = self.layers[-1]
            out = out + h[:, : count[d - 1]] @ self.output_weight[lo:hi, : count[d - 1]].T
        return out

    def advance(self, index, values):
        """Store the drawn ``values`` of span ``index`` and compute the units of its degree."""
        span = self.model.layout.spans[index]
        position = int(self.in_position[span.start])
        self.inputs[:, position : position + span.width] = values.reshape(len(values), -1)
        d = int(self.model.out_degree[self.model.layout.span_slices[index][0]])
        below, seen = self.inputs, self.in_count[d]
        for weight, offset, count, h in self.layers:
            start, stop = count[d - 1], count[d]
            if stop > start:
                pre = below[:, :seen] @ weight[start:stop, :seen].T + offset[:, start:stop]
                h[:, start:stop] = self.model.activation(pre)
            below, seen = h, stop


def _logsumexp(values):
    """``torch.logsumexp`` over the last dimension, from element-wise kernels.

    Over a last dimension of a few entries (the mixture components) this is
    faster on CPU than the reduction kernels of ``logsumexp`` / ``log_softmax``.
    """
    peak = values.detach().amax(-1, keepdim=True)
    return (values - peak).exp().sum(-1).log() + peak.squeeze(-1)


def _soft_clamp(value, low, high):
    """Differentiable clamp of ``value`` into ``[low, high]`` (softplus at both ends)."""
    value = low + F.softplus(value - low)
    return high - F.softplus(high - value)


class AutoregressiveModel(TabularModel):
    """MADE over the encoded spans with a likelihood head per span kind.

    - numeric span, ``numeric_head="mixture"``: a mixture of ``n_components``
      Gaussians (logits, means and log-scales, the log-scales soft-clamped to
      ``[min_log_scale, 3]`` so a constant column cannot drive a density to
      infinity);
    - numeric span, ``numeric_head="bins"``: a quantile histogram: softmax
      weights over ``n_bins`` bins of equal standard-normal mass, the density
      inside a bin being the standard normal restricted to it, so
      log p(x) = log w_b(x) + log n_bins + log phi(x). With the quantile
      encoding (a standard normal over the training rows) the bins hold equal
      shares of the training rows, and uniform weights give back the pooled
      marginal of the column;
    - binary span: a Bernoulli logit;
    - categorical span: softmax logits over its levels.

    The class label conditions every layer: a learned per-class vector is added
    to each hidden pre-activation and to the output (unmasked), so even the
    first span of the order has a class-dependent distribution.

    Parameters
    ----------
    spans, n_classes
        The encoded layout and the number of class labels (see :mod:`.base`).
    hidden_dims : sequence of int
        Widths of the masked hidden layers.
    n_components : int
        Gaussian components per numeric span (``numeric_head="mixture"``).
    numeric_head : {"mixture", "bins"}
        Likelihood head of numeric spans.
    n_bins : int
        Bins per numeric span (``numeric_head="bins"``).
    """

    #: floor of the component log-scales
    min_log_scale = -7.0
    #: sampled numeric values are clipped to ``[-clamp, clamp]``; network inputs
    #: are clipped to the same range
    clamp = 10.0

    def __init__(self, spans, n_classes, hidden_dims, n_components, numeric_head, n_bins):
        super().__init__()
        if numeric_head not in ("mixture", "bins"):
            raise ValueError(f"numeric_head must be 'mixture' or 'bins', got {numeric_head!r}")
        self.numeric_head, self.n_bins = numeric_head, int(n_bins)
        self.hidden_dims = tuple(hidden_dims)
        # network outputs: numeric heads first, then binary logits, then categorical
        # blocks grouped by width (so each group's outputs are consecutive)
        num_width = 3 * n_components if numeric_head == "mixture" else self.n_bins
        self.layout = layout = SpanLayout(
            spans, numeric_size=num_width, categorical_size=lambda w: w, by_width=True
        )
        self.n_encoded, self.n_out = layout.n_encoded, layout.n_out
        self.n_components = n_components
        self.order = span_order(layout.spans)
        n_spans = len(layout.spans)
        degree = [0] * n_spans  # 1-based position of each span in the order
        for position, index in enumerate(self.order):
            degree[index] = position + 1
        in_degree = torch.zeros(self.n_encoded, dtype=torch.long)
        out_deg = torch.zeros(self.n_out, dtype=torch.long)
        for i, s in enumerate(layout.spans):
            in_degree[s.start : s.stop] = degree[i]
            lo, hi = layout.span_slices[i]
            out_deg[lo:hi] = degree[i]
        k = n_components
        # fixed spread of the initial component means (a buffer, not learned)
        self.register_buffer(
            "mean_offset",
            torch.linspace(-1.5, 1.5, k) if k > 1 else torch.zeros(1),
            persistent=False,
        )

        self.register_buffer("in_degree", in_degree, persistent=False)
        self.register_buffer("out_degree", out_deg, persistent=False)

        # MADE masks: a hidden unit of degree d sees inputs of degree <= d; an
        # output of degree d sees hidden units (and inputs) of degree < d
        layers, embeddings, prev_deg = [], [], in_degree
        for h in self.hidden_dims:
            deg = _unit_degrees(h, n_spans)
            mask = (deg[:, None] >= prev_deg[None, :]) & (prev_deg[None, :] > 0)
            layers.append(MaskedLinear(mask))
            embeddings.append(nn.Embedding(n_classes, h))
            prev_deg = deg
        self.hidden = nn.ModuleList(layers)
        self.hidden_labels = nn.ModuleList(embeddings)
        self.output = MaskedLinear(out_deg[:, None] > prev_deg[None, :])
        self.skip = MaskedLinear(out_deg[:, None] > in_degree[None, :])
        self.output_label = nn.Embedding(n_classes, self.n_out)
        self.activation = nn.SiLU()

    # ----------------------------------------------------------- network
    @torch.no_grad()
    def initialize(self, generator):
        super().initialize(generator)
        for embedding in [*self.hidden_labels, self.output_label]:
            embedding.weight.mul_(0.1)
        return self

    @torch.no_grad()
    def initialize_from_data(self, x, cond):
        """Start every span's conditional at its class's marginal distribution.

        The output of the first span in the order sees neither hidden units nor
        inputs, only the output bias and the class vector, and Adam moves a
        single weight by about the learning rate per step: from a random start a
        rare binary level would keep a probability near one half through the
        whole budget. So the class vectors of the output start at each class's
        smoothed marginal (binary log-odds, categorical log-frequencies, numeric
        mixtures spread over the class's mean +- 1.5 standard deviations with
        half its spread as component scale, or the class's smoothed bin
        log-frequencies) and the output biases at zero; the network then learns
        the dependence on earlier spans.
        """
        self.output.bias.zero_()
        self.skip.bias.zero_()
        k, layout = self.n_components, self.layout
        for label in range(self.output_label.num_embeddings):
            rows = x[cond == label]
            if not len(rows):
                continue
            vector, n = self.output_label.weight[label], len(rows)
            if layout.binary_idx.numel():
                p = (rows[:, layout.binary_idx].sum(0) + 0.5) / (n + 1.0)
                vector[layout.binary_out] = torch.log(p) - torch.log1p(-p)
            for w, columns, outputs in layout.categorical_packed():
                counts = rows[:, columns].sum(0)
                p = (counts + 0.5) / (n + 0.5 * w)
                vector[outputs] = torch.log(p)
            if layout.n_numeric and self.numeric_head == "bins":
                bins = self._bin_index(rows[:, layout.numeric_idx])
                counts = F.one_hot(bins, self.n_bins).sum(0).to(vector.dtype)
                vector[layout.numeric_out] = torch.log((counts + 0.5) / (n + 0.5 * self.n_bins))
            elif layout.n_numeric:
                values = rows[:, layout.numeric_idx].clamp(-self.clamp, self.clamp)
                mean = values.mean(0)
                std = values.std(0, unbiased=False).clamp(min=math.exp(self.min_log_scale + 1))
                means = mean[:, None] + self.mean_offset * (std[:, None] - 1.0)
                log_scales = torch.log(std / 2.0 if k > 1 else std)[:, None].expand(-1, k)
                params = torch.cat([torch.zeros_like(means), means, log_scales], dim=1)
                vector[layout.numeric_out] = params
        return self

    def forward(self, x, cond):
        """Raw conditional parameters ``(batch, n_out)``; output of span j sees spans < j."""
        x = x.clamp(-self.clamp, self.clamp)
        h = x
        for layer, label in zip(self.hidden, self.hidden_labels):
            h = self.activation(layer(h) + label(cond))
        return self.output(h) + self.skip(x) + self.output_label(cond)

    def span_outputs(self, index):
        """Columns of :meth:`forward`'s output holding the parameters of span ``index``."""
        return slice(*self.layout.span_slices[index])

    def _components(self, params):
        """Split numeric parameters ``(..., 3K)`` into component logits, means, log-scales."""
        logits, means, log_scales = params.split(self.n_components, dim=-1)
        log_scales = _soft_clamp(log_scales, self.min_log_scale, 3.0)
        return logits, means + self.mean_offset, log_scales

    def _mixture(self, params):
        """Split numeric parameters ``(..., 3K)`` into log-weights, means, log-scales."""
        logits, means, log_scales = self._components(params)
        return F.log_softmax(logits, dim=-1), means, log_scales

    def _bin_index(self, value):
        """Bin of each encoded numeric value: ``floor(Phi(value) * n_bins)``."""
        index = torch.floor(special.ndtr(value) * self.n_bins).long()
        return index.clamp(0, self.n_bins - 1)

    def _numeric_log_density(self, params, value):
        """log p(value) of each numeric span, ``params (batch, n_num, width)``."""
        if self.numeric_head == "bins":
            log_w = F.log_softmax(params, dim=-1)
            chosen = log_w.gather(-1, self._bin_index(value).unsqueeze(-1)).squeeze(-1)
            return chosen + math.log(self.n_bins) - 0.5 * value.pow(2) - 0.5 * LOG_2PI
        # log sum_k w_k N(value; m_k, s_k) with w = softmax(logits), written as
        # logsumexp(logits + log N) - logsumexp(logits): the same value without a
        # log-softmax, whose kernel is slow over a last dimension this short
        logits, means, log_scales = self._components(params)
        z = (value.unsqueeze(-1) - means) * torch.exp(-log_scales)
        joint = logits - 0.5 * z.pow(2) - log_scales
        return _logsumexp(joint) - _logsumexp(logits) - 0.5 * LOG_2PI

    def _sample_numeric(self, params, generator, t):
        """One draw per row at temperature ``t`` from the numeric head ``params (n, width)``."""
        n, device = params.shape[0], params.device
        if self.numeric_head == "bins":
            choice = sample_index(F.log_softmax(params, dim=-1) / t, generator)
            u = torch.rand((n,), generator=generator, device=device)
            u = ((choice.to(u.dtype) + u) / self.n_bins).clamp(_U_EPS, 1 - _U_EPS)
            return special.ndtri(u)
        log_w, means, log_scales = self._mixture(params)
        component = sample_one_hot(log_w / t, generator)
        noise = torch.randn((n,), generator=generator, device=device)
        scale = (component * log_scales.exp()).sum(-1) * t
        return (component * means).sum(-1) + scale * noise

    # -------------------------------------------------------- likelihood
    def log_prob(self, x, cond):
        """Exact log p(x | y) per row in the encoded space, shape ``(batch,)``.

        Numeric spans enter as densities (quantile-normal space), binary and
        categorical spans as probabilities.
        """
        out, layout = self(x, cond), self.layout
        total = out.new_zeros(out.shape[0])
        if layout.n_numeric:
            log_p = self._numeric_log_density(
                layout.take(out, "numeric_out"), layout.take(x, "numeric_idx")
            )
            total = total + log_p.sum(-1)
        if layout.binary_idx.numel():
            total = total - F.binary_cross_entropy_with_logits(
                layout.take(out, "binary_out"), layout.take(x, "binary_idx"), reduction="none"
            ).sum(-1)
        if layout.n_blocks:
            # the categorical outputs come last, one per level, block after block
            logits = out[:, self.n_out - layout.categorical_blocks.numel() :]
            shifted, log_sums = block_log_softmax(
                logits, layout.categorical_blocks, layout.n_blocks
            )
            observed = (shifted * layout.take(x, "categorical_columns")).sum(-1)
            total = total + observed - log_sums.sum(-1)
        return total

    def loss(self, x, cond, generator=None):
        """Mean negative log-likelihood of the batch."""
        return -self.log_prob(x, cond).mean()

    # ---------------------------------------------------------- sampling
    @torch.no_grad()
    def sample(self, n, cond, generator, *, temperature):
        """Draw ``n`` encoded rows span by span.

        Each hidden unit is computed once, when the spans it depends on are
        drawn (:class:`_IncrementalPass`), so a draw costs about one forward pass.

        For a numeric column, ``temperature`` ``T`` tempers the head: mixture
        component or bin weights proportional to ``w_k ** (1 / T)``, and mixture
        component scales multiplied by ``T`` (1 samples the learned
        conditionals); inside a bin a value is drawn from the standard normal
        restricted to it. Discrete columns are drawn from their probabilities
        as learned.
        """
        x = torch.zeros((n, self.n_encoded), device=cond.device)
        network = _IncrementalPass(self, cond)
        for index in self.order:
            span = self.layout.spans[index]
            params = network.outputs(index)
            if span.kind == "numeric":
                value = self._sample_numeric(params, generator, temperature)
                x[:, span.start] = value.clamp(-self.clamp, self.clamp)
            elif span.kind == "binary":
                x[:, span.start] = sample_bernoulli(params[:, 0], generator)
            else:
                x[:, span.start : span.stop] = sample_one_hot(params, generator)
            network.advance(index, x[:, span.start : span.stop])
        return x
