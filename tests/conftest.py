"""Test session settings."""

import os

import torch

# One intra-op thread: the models in the tests are tiny, and on a machine whose
# cores are busy (CI, or pytest-xdist workers) extra torch threads only wait.
torch.set_num_threads(1)

from hypothesis import HealthCheck, settings  # noqa: E402

# Property tests: few examples in CI, many with HYPOTHESIS_PROFILE=dev.
_suppressed = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("ci", max_examples=8, deadline=None, suppress_health_check=_suppressed)
settings.register_profile("dev", max_examples=200, deadline=None, suppress_health_check=_suppressed)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
