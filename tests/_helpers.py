"""Helpers shared by the test modules (import as ``from _helpers import ...``)."""

import functools

import numpy as np
import pandas as pd
import pytest
import torch

import dgm_resample
from dgm_resample._base import BaseDGMOverSampler

#: every public deep generative sampler, discovered from the package
SAMPLERS = [
    getattr(dgm_resample, name)
    for name in dgm_resample.__all__
    if isinstance(getattr(dgm_resample, name), type)
    and issubclass(getattr(dgm_resample, name), BaseDGMOverSampler)
]


def with_variants(classes):
    """pytest params: each class at its defaults, plus the alternative heads.

    Each param is a sampler factory (``functools.partial``) with a readable id.
    """
    cases = [(cls, {}) for cls in classes]
    if dgm_resample.AutoregressiveOverSampler in classes:
        cases.append((dgm_resample.AutoregressiveOverSampler, {"numeric_head": "bins"}))
    return [
        pytest.param(
            functools.partial(cls, **params),
            id=cls.__name__ + "".join(f"-{v}" for v in params.values()),
        )
        for cls, params in cases
    ]


def tiny(cls, **params):
    """A sampler with a settings small enough for unit tests."""
    settings = {
        "max_steps": 10,
        "batch_size": 64,
        "validation_fraction": 0.1,
        "random_state": 0,
        "device": "cpu",
    }
    settings.update(params)
    return cls(**settings)


def mixed_frame(n=300, minority=0.15, seed=0, with_nan=True):
    """A mixed-type table (float, int, float32, bool, category, str, NaN) and labels."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < minority).astype(int)
    frame = pd.DataFrame(
        {
            "num": rng.normal(size=n) + 2 * y,
            "count": rng.integers(3, 12, n),
            "small": rng.normal(size=n).astype("float32"),
            "flag": rng.random(n) > 0.4,
            "color": pd.Categorical(rng.choice(["red", "green", "blue"], n)),
            "city": rng.choice(["paris", "oslo"], n).astype(object),
        }
    )
    if with_nan:
        frame["gappy"] = np.where(rng.random(n) < 0.25, np.nan, rng.gamma(2.0, size=n))
        frame["label_na"] = pd.Series(
            np.where(rng.random(n) < 0.2, None, rng.choice(["u", "v", "w"], n)), dtype=object
        )
    return frame, y


def random_rows(spans, n, generator):
    """Encoded rows with valid one-hot / 0-1 / real values for ``spans``."""
    width = max(s.stop for s in spans)
    x = torch.zeros(n, width)
    for s in spans:
        if s.kind == "numeric":
            x[:, s.start] = torch.randn(n, generator=generator)
        elif s.kind == "binary":
            x[:, s.start] = (torch.rand(n, generator=generator) < 0.5).float()
        else:
            level = torch.randint(s.width, (n,), generator=generator)
            x[:, s.start : s.stop] = torch.nn.functional.one_hot(level, s.width).float()
    return x
