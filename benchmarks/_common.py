"""Helpers shared by the benchmark scripts (run them from the repository root)."""

from __future__ import annotations

import importlib

import dgm_resample
from dgm_resample._base import BaseDGMOverSampler


def dgm_samplers():
    """Every public deep generative sampler class, by name."""
    found = {}
    for name in dgm_resample.__all__:
        obj = getattr(dgm_resample, name)
        if isinstance(obj, type) and issubclass(obj, BaseDGMOverSampler):
            found[name] = obj
    return found


def select(names, available):
    """Restrict ``available`` (a dict) to the comma-separated ``names`` (all when empty)."""
    if not names:
        return dict(available)
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in available]
    if unknown:
        raise SystemExit(f"unknown sampler(s) {unknown}; choose from {sorted(available)}")
    return {n: available[n] for n in wanted}


def import_object(path):
    """Import ``package.module:Name``."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)
