"""
================================================
Scoring synthetic rows with dgm_resample.metrics
================================================

Downstream scores tell whether resampling helps a classifier;
:mod:`dgm_resample.metrics` tells how close the generated rows are to real ones
and whether they copy the training rows. Every metric takes a real and a
synthetic table with the same columns (DataFrames with mixed columns, or
arrays).

Here the minority class of a mixed table is split into training and held-out
rows; ``SMOTENC`` and two deep samplers generate new minority rows from the
training rows, and :func:`~dgm_resample.metrics.evaluate_synthetic` compares
them with the held-out rows.
"""

# %%
# A mixed table and a held-out split
# ----------------------------------
import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

rng = np.random.default_rng(0)
n = 2000
y = (rng.random(n) < 0.15).astype(int)
size = rng.normal(np.where(y == 1, 1.0, 0.0), 1.0)
X = pd.DataFrame(
    {
        "size": size,
        "weight": 2.0 * size + rng.normal(0.0, 0.5, n),  # correlated with size
        "visits": rng.poisson(np.where(y == 1, 4, 2)),
        "channel": pd.Categorical(
            np.where(size > 0.5, rng.choice(["web", "store"], n, p=[0.8, 0.2]), "phone")
        ),
    }
)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
real_train = X_train[y_train == 1]
real_test = X_test[y_test == 1]
print(f"{len(real_train)} minority rows to learn from, {len(real_test)} held out")

# %%
# Generate minority rows
# ----------------------
# Each sampler is fitted on the training split; the rows after the original
# ones in ``X_res`` are the synthetic minority rows.
from imblearn.over_sampling import SMOTENC

from dgm_resample import AutoregressiveOverSampler, VAEOverSampler

samplers = {
    "SMOTENC": SMOTENC(categorical_features=["channel"], random_state=0),
    "VAE": VAEOverSampler(max_steps=300, n_threads=1, random_state=0),
    "autoregressive": AutoregressiveOverSampler(max_steps=300, n_threads=1, random_state=0),
}
synthetic = {}
for name, sampler in samplers.items():
    X_res, y_res = sampler.fit_resample(X_train, y_train)
    synthetic[name] = X_res.iloc[len(X_train) :]

# %%
# Every metric at once
# --------------------
# :func:`~dgm_resample.metrics.evaluate_synthetic` returns a flat dict:
#
# - ``detection_auc``: ROC-AUC of a classifier telling synthetic from real rows
#   (0.5: indistinguishable);
# - ``marginal_distance`` and ``dependence_distance``: column-wise and pairwise
#   differences (0: identical);
# - ``precision`` / ``recall`` and ``density`` / ``coverage``: how much of the
#   synthetic rows lie where real rows do, and how much of the real rows are
#   covered;
# - ``dcr_*`` and ``exact_copy_rate``: distances to the closest training row,
#   against those of held-out rows (a ``dcr_ratio`` well below 1 signals
#   memorization).
from dgm_resample.metrics import evaluate_synthetic

scores = pd.DataFrame(
    {
        name: evaluate_synthetic(real_train, real_test, rows, random_state=0)
        for name, rows in synthetic.items()
    }
)
print(scores.round(3))

# %%
# One metric in detail
# --------------------
# :func:`~dgm_resample.metrics.marginal_distance` gives one distance per
# column in [0, 1]: the Kolmogorov-Smirnov statistic on numeric columns, the
# total variation distance on categorical ones. The scatter plot shows the
# dependence between two numeric columns that the synthetic rows should keep.
from dgm_resample.metrics import marginal_distance

per_column = pd.DataFrame(
    {name: marginal_distance(real_test, rows).per_column for name, rows in synthetic.items()}
)

import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
per_column.plot.bar(ax=axes[0], rot=0)
axes[0].set_ylabel("marginal distance to held-out rows")
for name, rows in synthetic.items():
    axes[1].scatter(rows["size"], rows["weight"], s=6, alpha=0.5, label=name)
axes[1].scatter(real_test["size"], real_test["weight"], s=8, c="k", label="held-out real")
axes[1].set_xlabel("size")
axes[1].set_ylabel("weight")
axes[1].legend(fontsize=8, markerscale=2)
fig.tight_layout()
plt.show()

# %%
# SMOTENC interpolates between real rows, so its rows sit close to the
# training rows (a smaller distance to the closest record); the deep samplers
# draw from a fitted model. Read the metrics together: a low detection AUC
# with a very low ``dcr_ratio`` can mean copies. The benchmark computes the
# same dict on every fold with ``fidelity=True`` (see
# :ref:`sphx_glr_auto_examples_plot_7_benchmark_report.py`).
