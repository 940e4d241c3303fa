"""Torch model families (no scikit-learn here) and their shared layers."""

from .base import TabularModel
from .layers import MLP, MixedLikelihood, SpanLayout, WeightAverage
from .vae import ConditionalVAE

__all__ = [
    "MLP",
    "ConditionalVAE",
    "MixedLikelihood",
    "SpanLayout",
    "TabularModel",
    "WeightAverage",
]
