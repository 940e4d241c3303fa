"""Renamed parameters, deprecated as scikit-learn deprecates them.

The old name stays in the signature with the default ``"deprecated"`` (so
``get_params``, ``clone`` and grid searches keep working); a value given to it
is used, with a ``FutureWarning`` at fit, until the old name is removed.
"""

from __future__ import annotations

import inspect
import os
import sys
import warnings

#: default of a deprecated parameter name: "not set"
DEPRECATED = "deprecated"
#: the release that renamed the parameters, and the one that removes their old names
RENAMED_IN, REMOVED_IN = "0.2", "0.4"


#: folders of the frames a warning skips to reach the user's call
_LIBRARIES = tuple(
    os.path.dirname(module.__file__) + os.sep
    for module in (sys.modules["sklearn"], sys.modules["imblearn"])
) + (os.path.dirname(os.path.abspath(__file__)) + os.sep,)


def _user_stacklevel():
    """``stacklevel`` of the first caller outside this package, scikit-learn and imblearn."""
    level, frame = 1, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_LIBRARIES):
        level, frame = level + 1, frame.f_back
    return level


def _is_set(value):
    return not (isinstance(value, str) and value == DEPRECATED)


def renamed_value(estimator, old, new):
    """The value of parameter ``new``, or that of its former name ``old`` when given.

    Parameters
    ----------
    estimator : estimator
    old, new : str
        The deprecated name and the name that replaced it.
    """
    value = getattr(estimator, old)
    return value if _is_set(value) else getattr(estimator, new)


def check_renamed(estimator):
    """Warn about every deprecated parameter name given a value (at fit).

    ``estimator._renamed_parameters`` maps each old name to its new name.

    Raises
    ------
    ValueError
        When both the old name and the new one (away from its default) are set.
    """
    defaults = inspect.signature(type(estimator)).parameters
    for old, new in estimator._renamed_parameters.items():
        value = getattr(estimator, old)
        if not _is_set(value):
            continue
        name = type(estimator).__name__
        if getattr(estimator, new) != defaults[new].default:
            raise ValueError(
                f"{name}: both {old}={value!r} and {new}={getattr(estimator, new)!r} are set; "
                f"{old} is the deprecated name of {new}: set {new} only."
            )
        warnings.warn(
            f"{name}: `{old}` was renamed `{new}` in version {RENAMED_IN} and will be removed "
            f"in {REMOVED_IN}; pass {new}={value!r} instead.",
            FutureWarning,
            stacklevel=_user_stacklevel(),
        )
