"""The ``dgm-resample benchmark`` command: oversample, weight the classes or move the threshold?

Use :func:`run` with a :class:`BenchmarkConfig`, a dict of its fields or the
path of a TOML / YAML file; the command line is ``dgm-resample benchmark``.
"""

from ._config import BenchmarkConfig, BenchmarkError, profile_names, resolve_config
from ._grid import dgm_sampler_names
from ._run import run

__all__ = [
    "BenchmarkConfig",
    "BenchmarkError",
    "dgm_sampler_names",
    "profile_names",
    "resolve_config",
    "run",
]
