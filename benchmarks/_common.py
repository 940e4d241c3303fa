"""Helpers shared by the benchmark scripts (run them from the repository root)."""

from __future__ import annotations

import dgm_resample
from dgm_resample.benchmark import dgm_sampler_names


def dgm_samplers():
    """Every public deep generative sampler class, by name."""
    return {name: getattr(dgm_resample, name) for name in dgm_sampler_names()}


def select(names, available):
    """Restrict ``available`` (a dict) to the comma-separated ``names`` (all when empty)."""
    if not names:
        return dict(available)
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in available]
    if unknown:
        raise SystemExit(f"unknown sampler(s) {unknown}; choose from {sorted(available)}")
    return {n: available[n] for n in wanted}
