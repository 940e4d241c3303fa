"""Parameter constraints the samplers share (scikit-learn's ``_parameter_constraints``)."""

from __future__ import annotations

import numbers
import re

from sklearn.utils._param_validation import Interval, Options, StrOptions


class Integer(Interval):
    """An integer interval that, unlike ``Interval(numbers.Integral, ...)``, refuses booleans."""

    def __init__(self, left, right=None, *, closed="left"):
        super().__init__(numbers.Integral, left, right, closed=closed)

    def is_satisfied_by(self, val):
        return not isinstance(val, bool) and super().is_satisfied_by(val)


class LayerSizes(Options):
    """A non-empty tuple or list of positive integers (widths of hidden layers)."""

    def __init__(self):
        super().__init__(tuple, set())

    def is_satisfied_by(self, val):
        return (
            isinstance(val, (tuple, list))
            and len(val) > 0
            and all(
                isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1 for v in val
            )
        )

    def __str__(self):
        return "a non-empty tuple or list of positive integers"


class Device(StrOptions):
    """``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:k"`` for a GPU index ``k``.

    ``torch.device`` instances are a separate constraint; whether CUDA is
    there is checked when the device is used.
    """

    _CUDA_INDEX = re.compile(r"cuda:\d+")

    def __init__(self):
        super().__init__({"auto", "cpu", "cuda"})

    def is_satisfied_by(self, val):
        return super().is_satisfied_by(val) or (
            isinstance(val, str) and self._CUDA_INDEX.fullmatch(val) is not None
        )

    def __str__(self):
        return "a str among {'auto', 'cpu', 'cuda', 'cuda:k'} (k a GPU index)"
