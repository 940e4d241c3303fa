"""
=======================================================
Saving a fitted sampler, loading it without a GPU
=======================================================

A fitted sampler is a scikit-learn estimator and pickles like one: save it
with :func:`joblib.dump`, load it with :func:`joblib.load`, and keep drawing
rows with ``sample`` without retraining. Its torch models are stored on the
CPU after fitting, also when they were trained with ``device="cuda"``, so the
file loads on a machine without a GPU; sampling there falls back to the CPU
with a warning.

Loading needs the same versions of ``dgm_resample`` and torch as saving, as
for any pickled estimator.
"""

# %%
# Train, on a GPU when there is one
# ---------------------------------
import numpy as np
import torch
from sklearn.datasets import make_classification

from dgm_resample import VAEOverSampler

X, y = make_classification(n_samples=1000, n_features=6, weights=[0.9], random_state=0)
has_gpu = torch.cuda.is_available()
sampler = VAEOverSampler(
    device="cuda" if has_gpu else "cpu", max_steps=200, n_threads=1, random_state=0
)
X_res, y_res = sampler.fit_resample(X, y)
print("trained on:", "cuda" if has_gpu else "cpu")
print("model parameters stored on:", next(sampler.models_[1].parameters()).device)

# %%
# This page is built on a machine without a GPU, so the sampler was trained on
# the CPU. Setting ``device="cuda"`` now gives the same object a sampler
# trained on a GPU machine would be: ``device="cuda"`` among its parameters,
# its models on the CPU.
if not has_gpu:
    sampler.set_params(device="cuda")

# %%
# Save it
# -------
import tempfile
from pathlib import Path

import joblib

path = Path(tempfile.mkdtemp()) / "vae_sampler.joblib"
joblib.dump(sampler, path)
print(f"{path.name}: {path.stat().st_size / 1024:.0f} KiB")

# %%
# Load it on a machine without a GPU
# ----------------------------------
# ``sample`` sees that CUDA is missing, warns, and draws on the CPU.
import warnings

loaded = joblib.load(path)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    rows = loaded.sample(300, y=1, random_state=0)
for warning in caught:
    print(f"{warning.category.__name__}: {warning.message}")

# %%
# Setting ``device="cpu"`` (or ``"auto"``) says so explicitly and silences the
# warning. On the CPU the same ``random_state`` gives bit-identical rows; rows
# drawn on a GPU differ, because the random streams of the two devices differ.
loaded.set_params(device="cpu")
again = loaded.sample(300, y=1, random_state=0)
print("same rows as the warned call:", np.array_equal(rows, again))

# %%
# The loaded sampler draws rows like the real minority class:
import matplotlib.pyplot as plt
import pandas as pd

columns = [f"x{j}" for j in range(X.shape[1])]
real = pd.DataFrame(X[y == 1], columns=columns).assign(rows="real minority")
drawn = pd.DataFrame(again, columns=columns).assign(rows="loaded.sample(300, y=1)")
fig, axes = plt.subplots(1, 3, figsize=(10, 3))
for ax, column in zip(axes, columns[:3]):
    for name, frame in pd.concat([real, drawn]).groupby("rows"):
        ax.hist(frame[column], bins=20, density=True, histtype="step", lw=2, label=name)
    ax.set_xlabel(column)
axes[0].legend(fontsize=8)
fig.tight_layout()
plt.show()
