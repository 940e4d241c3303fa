"""Building blocks shared by the model families: an MLP and span-aware heads.

Everything here reads the encoder's spans (``numeric`` / ``binary`` /
``categorical`` blocks of the encoded matrix) and never a column name.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.func import functional_call
from torch.nn import functional as F

#: log(2 pi), the constant of every normal log-density
LOG_2PI = math.log(2 * math.pi)


class MLP(nn.Sequential):
    """Linear layers with activations (no batch statistics anywhere).

    Parameters
    ----------
    in_features, out_features : int
        Input and output widths.
    hidden_dims : sequence of int
        Widths of the hidden layers.
    activation : callable, default=nn.SiLU
        Makes the activation module after each hidden layer.
    layer_norm : bool, default=False
        Normalize each hidden layer (``LayerNorm``) before its activation.
    """

    def __init__(
        self, in_features, out_features, hidden_dims, activation=nn.SiLU, layer_norm=False
    ):
        layers, width = [], in_features
        for hidden in hidden_dims:
            layers.append(nn.Linear(width, hidden))
            if layer_norm:
                layers.append(nn.LayerNorm(hidden))
            layers.append(activation())
            width = hidden
        layers.append(nn.Linear(width, out_features))
        super().__init__(*layers)


def _index(rows, width=None):
    """A long tensor of ``rows`` (a list of ints, or of ``width``-long lists)."""
    tensor = torch.tensor(rows, dtype=torch.long)
    return tensor if width is None else tensor.reshape(len(rows), width)


def _group_names(width):
    """Buffer names of the width-``width`` categorical group: encoded columns, packed entries."""
    return f"cat_idx_{width}", f"cat_out_{width}"


class SpanLayout(nn.Module):
    """Index buffers that let heads treat all spans of one kind at once.

    Encoded columns: ``numeric_idx`` and ``binary_idx`` (one column per span)
    and, for each width ``w`` of categorical spans, an ``(n_spans, w)`` index of
    their one-hot columns (:meth:`categorical`), so the cost does not grow with a
    Python loop over columns.

    With ``numeric_size`` and ``categorical_size``, it also lays out a packed
    vector (a network's outputs, a flow's coordinates) in which every span owns
    consecutive entries: ``numeric_size`` per numeric span, one per binary span
    and ``categorical_size(w)`` per categorical span of width ``w``; numeric
    spans first, then binary ones, then categorical ones (in span order, or
    grouped by width with ``by_width``). Its indices are ``numeric_out``
    ``(n_numeric, numeric_size)``, ``binary_out`` ``(n_binary,)``, the third item
    of :meth:`categorical_packed`, and ``span_slices[i]``, the ``(start, stop)``
    of span ``i``; ``n_out`` is its length.

    :meth:`take` reads the columns of a named index; when they are consecutive
    (numeric outputs always are; encoded columns often are) it returns a view, so
    neither the forward pass copies nor the backward pass scatters.
    """

    def __init__(self, spans, numeric_size=None, categorical_size=None, by_width=False):
        super().__init__()
        self._runs = {}
        self.spans = tuple(spans)
        self.n_encoded = max((s.stop for s in self.spans), default=0)
        kinds = {"numeric": [], "binary": [], "categorical": []}
        groups = {}
        for i, s in enumerate(self.spans):
            kinds[s.kind].append(i)
            if s.kind == "categorical":
                groups.setdefault(s.width, []).append(i)
        self.widths = tuple(sorted(groups))
        self._buffer("numeric_idx", _index([self.spans[i].start for i in kinds["numeric"]]))
        self._buffer("binary_idx", _index([self.spans[i].start for i in kinds["binary"]]))
        for w in self.widths:
            columns = [list(range(self.spans[i].start, self.spans[i].stop)) for i in groups[w]]
            self._buffer(_group_names(w)[0], _index(columns, w))
        self.span_slices = None
        if numeric_size is None:
            return

        def size(span):
            if span.kind == "categorical":
                return categorical_size(span.width)
            return numeric_size if span.kind == "numeric" else 1

        categorical = (
            [i for w in self.widths for i in groups[w]] if by_width else kinds["categorical"]
        )
        slices, offset = [None] * len(self.spans), 0
        for i in kinds["numeric"] + kinds["binary"] + categorical:
            slices[i] = (offset, offset + size(self.spans[i]))
            offset = slices[i][1]
        self.span_slices, self.n_out = tuple(slices), offset

        def entries(indices, width):
            return _index([list(range(*slices[i])) for i in indices], width)

        self._buffer("numeric_out", entries(kinds["numeric"], numeric_size))
        self._buffer("binary_out", _index([slices[i][0] for i in kinds["binary"]]))
        for w in self.widths:
            self._buffer(_group_names(w)[1], entries(groups[w], categorical_size(w)))

    def _buffer(self, name, tensor):
        self.register_buffer(name, tensor, persistent=False)
        flat = tensor.reshape(-1)
        start = int(flat[0]) if flat.numel() else 0
        consecutive = flat.numel() and bool((flat == torch.arange(start, start + len(flat))).all())
        self._runs[name] = slice(start, start + len(flat)) if consecutive else None

    def take(self, values, name):
        """``values[:, index]`` for the index buffer called ``name``.

        A view of ``values`` when the index holds consecutive columns.
        """
        index, run = getattr(self, name), self._runs[name]
        if run is None:
            return values[:, index]
        return values[:, run].unflatten(1, index.shape)

    def put(self, values, name, new):
        """``values[:, index] = new`` in place, for the index buffer called ``name``."""
        index, run = getattr(self, name), self._runs[name]
        if run is None:
            values[:, index] = new
        else:
            values[:, run] = new.reshape(values.shape[0], -1)

    def categorical_names(self):
        """Yield ``(width, name of the encoded columns' index, name of the packed one)``.

        The names are for :meth:`take`; the packed name exists with a packed layout only.
        """
        for w in self.widths:
            yield w, *_group_names(w)

    def categorical(self):
        """Yield ``(width, index tensor of shape (n_spans, width))`` per width group."""
        for w, columns, _ in self.categorical_names():
            yield w, getattr(self, columns)

    def categorical_packed(self):
        """Yield ``(width, encoded columns, packed entries)`` per width group."""
        for w, columns, outputs in self.categorical_names():
            yield w, getattr(self, columns), getattr(self, outputs)

    @property
    def n_numeric(self):
        return self.numeric_idx.numel()


def gumbel_noise(shape, generator, device):
    """Standard Gumbel noise drawn from ``generator``."""
    u = torch.rand(shape, generator=generator, device=device)
    exponential = -torch.log(u.clamp_min(1e-10))
    return -torch.log(exponential.clamp_min(1e-10))


def sample_index(logits, generator):
    """Draw an index from ``softmax(logits)`` over the last dimension (Gumbel-max)."""
    return (logits + gumbel_noise(logits.shape, generator, logits.device)).argmax(-1)


def sample_one_hot(logits, generator):
    """Draw one-hot vectors from ``softmax(logits)`` over the last dimension."""
    return F.one_hot(sample_index(logits, generator), logits.shape[-1]).to(logits.dtype)


def sample_bernoulli(logits, generator):
    """Draw 0/1 values (in the dtype of ``logits``) with probabilities ``sigmoid(logits)``."""
    u = torch.rand(logits.shape, generator=generator, device=logits.device)
    return (u < torch.sigmoid(logits)).to(logits.dtype)


class WeightAverage(nn.Module):
    """Exponential moving average of another module's parameters, held in buffers.

    Update ``t`` (counted from :meth:`reset`) moves every average towards the
    live weight by ``1 - min(decay, (1 + t) / (10 + t))``: a short memory early
    in training, ``decay`` later. Calling it runs the module with the averages.
    """

    def __init__(self, module):
        super().__init__()
        self._module = [module]  # a reference, not a submodule: its weights are not ours
        self.names = [name for name, _ in module.named_parameters()]
        for name, param in module.named_parameters():
            self.register_buffer(self._key(name), param.detach().clone())
        self.register_buffer("n_updates", torch.zeros((), dtype=torch.long))

    @staticmethod
    def _key(name):
        return "avg_" + name.replace(".", "__")

    def averages(self):
        """``{parameter name: averaged tensor}``."""
        return {name: getattr(self, self._key(name)) for name in self.names}

    @torch.no_grad()
    def reset(self):
        """Start the averages at the module's weights."""
        for name, param in self._module[0].named_parameters():
            getattr(self, self._key(name)).copy_(param)
        self.n_updates.zero_()

    @torch.no_grad()
    def update(self, decay):
        self.n_updates += 1
        t = float(self.n_updates)
        rate = 1.0 - min(decay, (1.0 + t) / (10.0 + t))
        for name, param in self._module[0].named_parameters():
            getattr(self, self._key(name)).lerp_(param.detach(), rate)

    def forward(self, *inputs):
        return functional_call(self._module[0], self.averages(), inputs)


class MixedLikelihood(nn.Module):
    """The mixed likelihood p(x | params) of an encoded row.

    ``params`` has the encoded layout: a mean for each numeric column (Gaussian
    with a learned per-column scale), a logit for each binary column
    (Bernoulli) and logits for each categorical block (softmax).
    """

    #: floor of the numeric log-scales
    min_log_scale = -5.0

    def __init__(self, spans):
        super().__init__()
        self.layout = SpanLayout(spans)
        self.log_scale = nn.Parameter(torch.full((self.layout.n_numeric,), -1.0))

    def _scale(self):
        return self.log_scale.clamp(self.min_log_scale, 2.0)

    def nll(self, params, x):
        """Negative log-likelihood of each row, shape ``(batch,)``."""
        layout, total = self.layout, params.new_zeros(params.shape[0])
        if layout.n_numeric:
            log_scale = self._scale()
            residual = layout.take(x, "numeric_idx") - layout.take(params, "numeric_idx")
            z = residual * torch.exp(-log_scale)
            total = total + (0.5 * z.pow(2) + log_scale + 0.5 * LOG_2PI).sum(-1)
        if layout.binary_idx.numel():
            total = total + F.binary_cross_entropy_with_logits(
                layout.take(params, "binary_idx"), layout.take(x, "binary_idx"), reduction="none"
            ).sum(-1)
        for _, columns, _ in layout.categorical_names():
            log_p = F.log_softmax(layout.take(params, columns), dim=-1)
            total = total - (log_p * layout.take(x, columns)).sum(dim=(-1, -2))
        return total

    def sample(self, params, generator):
        """Draw encoded rows from p(x | params)."""
        layout, out = self.layout, torch.zeros_like(params)
        if layout.n_numeric:
            idx = layout.numeric_idx
            noise = torch.randn(
                (params.shape[0], idx.numel()), generator=generator, device=params.device
            )
            out[:, idx] = params[:, idx] + torch.exp(self._scale()) * noise
        if layout.binary_idx.numel():
            idx = layout.binary_idx
            out[:, idx] = sample_bernoulli(params[:, idx], generator)
        for _, idx in layout.categorical():
            one_hot = sample_one_hot(params[:, idx], generator)
            out[:, idx.reshape(-1)] = one_hot.reshape(params.shape[0], idx.numel())
        return out
