"""Adam over parameters held in one buffer, with gradient clipping on that buffer.

The model families have many small parameter tensors (a weight and a bias per
layer, embeddings, scales), and on a CPU a training step of these models is
bound by the number of torch operations it dispatches, not by arithmetic.
PyTorch's Adam and ``clip_grad_norm_`` do their work tensor by tensor (each
tensor costs several operations per step, even on the fused and foreach paths,
whose CPU kernels loop over the tensors). :class:`FlatAdam` moves the
parameters of an optimizer into one contiguous buffer (each parameter becomes a
view of it) and gives them views of one gradient buffer as ``.grad``, so that
autograd accumulates every gradient in place into that buffer. Zeroing the
gradients, clipping their norm and the Adam update are then one operation each
on one tensor, whatever the number of parameters.

The parameters stay ordinary ``nn.Parameter`` objects of their modules (state
dicts, pickling, ``load_state_dict`` and moving between devices work as
before); :meth:`FlatAdam.release` drops the gradient buffer after training.
"""

from __future__ import annotations

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
    """Adam (fused where this torch build has it) over parameters moved into one buffer.

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
    **options
        Other Adam options (``betas``, ...).

    Attributes
    ----------
    params : list of Parameter
        The parameters, in buffer order.
    data, grad : Tensor
        The 1-d parameter and gradient buffers.
    optimizer : torch.optim.Adam
        Adam over one slice of ``data`` per group.
    """

    def __init__(self, groups, learning_rate, grad_masks=None, **options):
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
        slices, offset = [], 0
        for g in groups:
            size = sum(p.numel() for p in g["params"])
            flat = self.data[offset : offset + size]
            flat.grad = self.grad[offset : offset + size]
            slices.append({**g, "params": [flat]})
            offset += size
        self.optimizer = _adam(slices, learning_rate, **options)

    @property
    def param_groups(self):
        return self.optimizer.param_groups

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

    def step(self):
        """One Adam update of every parameter."""
        self._apply_mask()
        self.optimizer.step()

    def _apply_mask(self):
        if self.mask is not None:
            self.grad.mul_(self.mask)

    def release(self):
        """Drop the gradient buffer: every parameter's ``.grad`` becomes ``None``."""
        for p in self.params:
            p.grad = None
        for group in self.optimizer.param_groups:
            for flat in group["params"]:
                flat.grad = None

    def state_dict(self):
        return self.optimizer.state_dict()


def _adam(params, learning_rate, **options):
    """``torch.optim.Adam``, fused where this torch build supports it.

    The fused update does the work of a step in one kernel instead of several
    per tensor.
    """
    try:
        return torch.optim.Adam(params, lr=learning_rate, fused=True, **options)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(params, lr=learning_rate, **options)
