"""dgm_resample: imbalanced-learn compatible over-sampling with deep generative models."""

from ._autoregressive import AutoregressiveOverSampler
from ._diffusion import DiffusionOverSampler
from ._encoding import Span, TabularEncoder
from ._flow import FlowOverSampler
from ._gan import GANOverSampler
from ._resampled import ResampledClassifierCV
from ._vae import VAEOverSampler

__version__ = "0.1.0"

__all__ = [
    "AutoregressiveOverSampler",
    "DiffusionOverSampler",
    "FlowOverSampler",
    "GANOverSampler",
    "ResampledClassifierCV",
    "Span",
    "TabularEncoder",
    "VAEOverSampler",
    "__version__",
]
