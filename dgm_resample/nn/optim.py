"""Adam over parameters held in one buffer, with gradient clipping on that buffer.

The model families have many small parameter tensors (a weight and a bias per
layer, embeddings, scales). PyTorch's Adam and ``clip_grad_norm_`` do their
work tensor by tensor (several operations per tensor and step, even on the
fused and foreach paths, whose CPU kernels loop over the tensors), and
``Optimizer.step`` spends more Python time than its fused kernel takes.
:class:`FlatAdam` moves the parameters of an optimizer into one contiguous
buffer (each parameter becomes a view of it) and gives them views of one
gradient buffer as ``.grad``, so that autograd accumulates every gradient in
place into that buffer. Zeroing the gradients and clipping their norm are then
one operation each, and the Adam update a few, whatever the number of
parameters.

The parameters stay ordinary ``nn.Parameter`` objects of their modules (state
dicts, pickling, ``load_state_dict`` and moving between devices work as
before); :meth:`FlatAdam.release` drops the gradient buffer after training.
"""

from __future__ import annotations

import math

import torch


def _unique(params):
    seen, out = set(), []
    for p in params:
        if id(p) not in seen:
            seen.add(id(p))
            out.append(p)
    return out


def contiguous_run(tensors):
    """One 1-d view over ``tensors`` when they lie back to back in one storage, else ``None``.

    ``tensors`` are contiguous tensors; the run must start at the first one and
    continue, in order, without gaps (as the parameters of a :class:`FlatAdam`
    do, in the order they were given).
    """
    tensors = list(tensors)
    if not tensors:
        return None
    first = tensors[0]
    storage, offset = first.untyped_storage().data_ptr(), first.storage_offset()
    for t in tensors:
        if (
            t.untyped_storage().data_ptr() != storage
            or t.storage_offset() != offset
            or not t.is_contiguous()
            or t.dtype != first.dtype
        ):
            return None
        offset += t.numel()
    total = offset - first.storage_offset()
    return first.detach().as_strided((total,), (1,), first.storage_offset())


class FlatAdam:
    """Adam over parameters moved into one buffer.

    The update is PyTorch's Adam (no weight decay, no AMSGrad), written as a
    handful of in-place operations on the whole buffer: on these small models
    ``torch.optim.Adam.step`` spends more time in its Python machinery than in
    its (fused) kernel.

    Parameters
    ----------
    groups : iterable of Parameter, or list of dict
        The parameters, or parameter groups as for ``torch.optim`` (``"params"``
        and an optional ``"lr"``); every parameter must be a floating-point
        tensor of one dtype and device.
    learning_rate : float
        Learning rate of the groups that do not set their own.
    grad_masks : dict, optional
        ``{parameter: 0/1 tensor of its shape}``: the gradients of these
        parameters are multiplied by their mask before clipping and before
        every update, so entries outside the mask never move.
    betas : tuple of float, default=(0.9, 0.999)
        Decay rates of the first and second moment estimates.
    eps : float, default=1e-8
        Added to the denominator.

    Attributes
    ----------
    params : list of Parameter
        The parameters, in buffer order.
    data, grad : Tensor
        The 1-d parameter and gradient buffers.
    param_groups : list of dict
        ``"params"`` (one slice of ``data`` per group) and ``"lr"``.
    n_steps : int
        Updates made so far.
    """

    def __init__(self, groups, learning_rate, grad_masks=None, betas=(0.9, 0.999), eps=1e-8):
        groups = list(groups)
        if not groups or not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        groups = [{**g, "params": _unique(g["params"])} for g in groups]
        self.params = [p for g in groups for p in g["params"]]
        sizes = [p.numel() for p in self.params]
        with torch.no_grad():
            self.data = torch.cat([p.detach().reshape(-1) for p in self.params])
        self.grad = torch.zeros_like(self.data)
        masks = {id(p): m for p, m in (grad_masks or {}).items()}
        self.mask = torch.ones_like(self.data) if masks else None
        offset = 0
        for p, size in zip(self.params, sizes):
            p.data = self.data[offset : offset + size].view_as(p)
            p.grad = self.grad[offset : offset + size].view_as(p)
            if id(p) in masks:
                self.mask[offset : offset + size] = masks[id(p)].reshape(-1)
            offset += size
        self.param_groups, offset = [], 0
        for g in groups:
            size = sum(p.numel() for p in g["params"])
            span = slice(offset, offset + size)
            self.param_groups.append(
                {"params": [self.data[span]], "lr": g.get("lr", learning_rate)}
            )
            offset += size
        self.betas, self.eps = tuple(betas), float(eps)
        self.exp_avg = torch.zeros_like(self.data)
        self.exp_avg_sq = torch.zeros_like(self.data)
        self.n_steps = 0

    def zero_grad(self, set_to_none=False):
        """Zero the gradient buffer (the parameters keep their ``.grad`` views)."""
        self.grad.zero_()

    def clip_grad_norm_(self, max_norm):
        """Scale the gradients so that their total 2-norm is at most ``max_norm``.

        As ``torch.nn.utils.clip_grad_norm_``: the factor is
        ``min(1, max_norm / (norm + 1e-6))``, applied without reading the norm
        on the host. Returns the norm before clipping (a tensor).
        """
        self._apply_mask()
        norm = torch.linalg.vector_norm(self.grad)
        self.grad.mul_(torch.clamp(max_norm / (norm + 1e-6), max=1.0))
        return norm

    @torch.no_grad()
    def step(self):
        """One Adam update of every parameter."""
        self._apply_mask()
        self.n_steps += 1
        beta1, beta2 = self.betas
        self.exp_avg.lerp_(self.grad, 1.0 - beta1)
        self.exp_avg_sq.mul_(beta2).addcmul_(self.grad, self.grad, value=1.0 - beta2)
        correction1 = 1.0 - beta1**self.n_steps
        correction2 = 1.0 - beta2**self.n_steps
        denominator = (self.exp_avg_sq.sqrt() / math.sqrt(correction2)).add_(self.eps)
        if len(self.param_groups) == 1:
            rate = self.param_groups[0]["lr"] / correction1
            self.data.addcdiv_(self.exp_avg, denominator, value=-rate)
            return
        offset = 0
        for group in self.param_groups:
            (flat,) = group["params"]
            span = slice(offset, offset + flat.numel())
            rate = group["lr"] / correction1
            flat.addcdiv_(self.exp_avg[span], denominator[span], value=-rate)
            offset += flat.numel()

    def _apply_mask(self):
        if self.mask is not None:
            self.grad.mul_(self.mask)

    def release(self):
        """Drop the gradient buffer: every parameter's ``.grad`` becomes ``None``."""
        for p in self.params:
            p.grad = None
