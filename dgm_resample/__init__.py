"""dgm_resample: imbalanced-learn compatible over-sampling with deep generative models."""

from ._encoding import Span, TabularEncoder
from ._vae import VAEOverSampler

__version__ = "0.1.0"

__all__ = ["Span", "TabularEncoder", "VAEOverSampler", "__version__"]
