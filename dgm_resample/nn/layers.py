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

from .optim import contiguous_run

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


class MaskedLinear(nn.Linear):
    """A linear layer whose weights are zero outside a fixed 0/1 ``mask`` (MADE).

    ``mask`` has the weight's shape ``(out_features, in_features)``. Unlike
    ``zuko.nn.MaskedLinear``, which multiplies its weight by the mask at every
    call (an operation forward and another backward), the weights outside the
    mask are kept at zero: :meth:`~dgm_resample.nn.TabularModel.initialize`
    zeroes them and the optimizer masks their gradients
    (:meth:`~dgm_resample.nn.TabularModel.gradient_masks`), so the layer runs
    as a plain linear one. The mask is a buffer that is not saved.
    """

    def __init__(self, mask):
        super().__init__(mask.shape[1], mask.shape[0])
        self.register_buffer("mask", mask.to(torch.get_default_dtype()), persistent=False)

    @classmethod
    def replace_in(cls, module):
        """Replace every ``zuko.nn.MaskedLinear`` inside ``module`` by this layer."""
        from zuko.nn import MaskedLinear as ZukoMaskedLinear

        for parent in list(module.modules()):
            for name, child in list(parent.named_children()):
                if isinstance(child, ZukoMaskedLinear):
                    setattr(parent, name, cls(child.mask))
        return module


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

    The categorical spans are also numbered as blocks ``0 .. n_blocks - 1`` (in
    span order, or grouped by width with ``by_width``, the order of their packed
    entries), so that all of them can be treated in one pass (see
    ``block_log_softmax``): ``block_of_column`` gives the block of every
    encoded column (``n_blocks`` for the columns of no block),
    ``categorical_mask`` is 1 on the columns of a block (``numeric_mask`` and
    ``binary_mask`` are true on the numeric and binary columns), and
    ``categorical_columns`` lists the encoded columns block by block, whose
    blocks are ``categorical_blocks``.
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
        categorical = (
            [i for w in self.widths for i in groups[w]] if by_width else kinds["categorical"]
        )
        self._block_buffers(categorical)
        self.span_slices = None
        if numeric_size is None:
            return

        def size(span):
            if span.kind == "categorical":
                return categorical_size(span.width)
            return numeric_size if span.kind == "numeric" else 1

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

    def _block_buffers(self, categorical):
        """The block numbering of the categorical spans ``categorical`` (in block order)."""
        self.n_blocks = len(categorical)
        block_of_column = torch.full((self.n_encoded,), self.n_blocks, dtype=torch.long)
        columns, blocks = [], []
        for block, i in enumerate(categorical):
            span = self.spans[i]
            block_of_column[span.start : span.stop] = block
            columns += list(range(span.start, span.stop))
            blocks += [block] * span.width
        self.register_buffer("block_of_column", block_of_column, persistent=False)
        self.register_buffer(
            "categorical_mask", (block_of_column < self.n_blocks).float(), persistent=False
        )
        for kind in ("numeric", "binary"):
            mask = torch.zeros(self.n_encoded, dtype=torch.bool)
            mask[[s.start for s in self.spans if s.kind == kind]] = True
            self.register_buffer(f"{kind}_mask", mask, persistent=False)
        self._buffer("categorical_columns", _index(columns))
        self.register_buffer("categorical_blocks", _index(blocks), persistent=False)

    def _buffer(self, name, tensor):
        self.register_buffer(name, tensor, persistent=False)
        flat = tensor.reshape(-1)
        start = int(flat[0]) if flat.numel() else 0
        consecutive = flat.numel() and bool((flat == torch.arange(start, start + len(flat))).all())
        self._runs[name] = slice(start, start + len(flat)) if consecutive else None

    def index_names(self):
        """Names of the index buffers that :meth:`take` and :meth:`put` read."""
        return list(self._runs)

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


def block_log_softmax(logits, block, n_blocks):
    """Log-softmax of many blocks of columns at once: ``(shifted, log_sums)``.

    ``block[j]`` is the block of column ``j`` of ``logits`` ``(batch, columns)``;
    columns of block ``n_blocks`` belong to no block and are ignored. The
    log-probability of column ``j`` within its block is
    ``shifted[:, j] - log_sums[:, block[j]]``, where ``shifted`` is ``logits``
    minus the largest logit of the column's block (without gradient) and
    ``log_sums`` ``(batch, n_blocks)`` the log of each block's sum of
    ``exp(shifted)``. A fixed number of operations, whatever the number and
    widths of the blocks.
    """
    n = logits.shape[0]
    with torch.no_grad():
        peak = logits.new_full((n, n_blocks + 1), -math.inf)
        peak.scatter_reduce_(1, block.expand(n, -1), logits, "amax")
    shifted = logits - peak.index_select(1, block)
    sums = logits.new_zeros((n, n_blocks + 1)).index_add(1, block, shifted.exp())
    return shifted, sums[:, :n_blocks].log()


def block_softmax(logits, block, n_blocks):
    """Softmax within every block of ``logits`` at once (see ``block_log_softmax``).

    Columns of no block get a value that callers replace.
    """
    n = logits.shape[0]
    with torch.no_grad():
        peak = logits.new_full((n, n_blocks + 1), -math.inf)
        peak.scatter_reduce_(1, block.expand(n, -1), logits, "amax")
    weights = (logits - peak.index_select(1, block)).exp()
    sums = logits.new_zeros((n, n_blocks + 1)).index_add(1, block, weights)
    return weights / sums.index_select(1, block)


def block_sum(values, block, n_blocks):
    """Sum of the columns of each block, ``(batch, n_blocks)`` (see ``block_log_softmax``)."""
    out = values.new_zeros((values.shape[0], n_blocks + 1)).index_add(1, block, values)
    return out[:, :n_blocks]


def sample_blocks(logits, block, n_blocks, generator):
    """One-hot draws from the softmax of every block of ``logits`` (Gumbel-max), at once.

    Columns of no block (``block == n_blocks``) come back 0.
    """
    n = logits.shape[0]
    noisy = logits + gumbel_noise(logits.shape, generator, logits.device)
    peak = noisy.new_full((n, n_blocks + 1), -math.inf)
    peak.scatter_reduce_(1, block.expand(n, -1), noisy, "amax")
    hits = (noisy == peak.index_select(1, block)) & (block < n_blocks)
    return hits.to(logits.dtype)


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

    When the module's parameters lie back to back in one buffer (as a
    ``dgm_resample.nn.optim.FlatAdam`` lays them out), the averages are
    moved into one buffer too and an update is a single operation.
    """

    def __init__(self, module):
        super().__init__()
        self._module = [module]  # a reference, not a submodule: its weights are not ours
        self.names = [name for name, _ in module.named_parameters()]
        for name, param in module.named_parameters():
            self.register_buffer(self._key(name), param.detach().clone())
        self.register_buffer("n_updates", torch.zeros((), dtype=torch.long))
        self._count = 0

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
        self._count = 0

    def _flat_pair(self):
        """``(averages, parameters)`` as two 1-d views, or ``None`` (see the class docstring).

        The averages are moved into one buffer the first time the parameters
        are found in one; both layouts are checked at every call, so a model
        moved to another device falls back to the per-tensor update.
        """
        params = [p for _, p in self._module[0].named_parameters()]
        flat_params = contiguous_run(params)
        if flat_params is None:
            return None
        averages = [getattr(self, self._key(name)) for name in self.names]
        flat_averages = contiguous_run(averages)
        if flat_averages is None:
            flat_averages = torch.cat([a.reshape(-1) for a in averages])
            offset = 0
            for name, average in zip(self.names, averages):
                view = flat_averages[offset : offset + average.numel()].view_as(average)
                self._buffers[self._key(name)] = view
                offset += average.numel()
        return flat_averages, flat_params

    @torch.no_grad()
    def update(self, decay):
        self.n_updates += 1
        self._count += 1
        t = float(self._count)
        rate = 1.0 - min(decay, (1.0 + t) / (10.0 + t))
        pair = self._flat_pair()
        if pair is not None:
            pair[0].lerp_(pair[1], rate)
            return
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
        if layout.n_blocks:
            shifted, log_sums = block_log_softmax(params, layout.block_of_column, layout.n_blocks)
            observed = (shifted * (x * layout.categorical_mask)).sum(-1)
            total = total - observed + log_sums.sum(-1)
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
        if layout.n_blocks:
            draws = sample_blocks(params, layout.block_of_column, layout.n_blocks, generator)
            out = out + draws
        return out
