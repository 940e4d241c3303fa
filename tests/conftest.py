"""Test session settings."""

import torch

# One intra-op thread: the models in the tests are tiny, and on a machine whose
# cores are busy (CI, or pytest-xdist workers) extra torch threads only wait.
torch.set_num_threads(1)
