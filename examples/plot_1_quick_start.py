"""
======================================
Quick start: a sampler in a Pipeline
======================================

A deep generative over-sampler is used like ``SMOTE``: put it first in an
imbalanced-learn :class:`~imblearn.pipeline.Pipeline`. During ``fit`` it
resamples the training rows only; at prediction time it is skipped, so the
test folds of a cross-validation are never touched.

This example compares no resampling, ``SMOTE`` and
:class:`~dgm_resample.VAEOverSampler` under 5-fold cross-validation with a
logistic regression.
"""

# %%
# An imbalanced problem
# ---------------------
# 1,000 rows, 5% of them in the positive class.
from collections import Counter

from sklearn.datasets import make_classification

X, y = make_classification(
    n_samples=1000,
    n_features=8,
    n_informative=4,
    weights=[0.95],
    class_sep=0.8,
    random_state=0,
)
print(Counter(y.tolist()))

# %%
# Resampling on its own
# ---------------------
# ``fit_resample`` returns the original rows first, then the synthetic rows,
# here enough positives to balance the classes (``sampling_strategy="auto"``).
# ``max_steps`` bounds the training (optimizer steps); the default of 1000 is
# lowered to keep this page fast, and ``n_threads=1`` keeps torch on one core.
from dgm_resample import VAEOverSampler

sampler = VAEOverSampler(max_steps=200, n_threads=1, random_state=0)
X_res, y_res = sampler.fit_resample(X, y)
print(Counter(y_res.tolist()))

# %%
# In a pipeline, under cross-validation
# -------------------------------------
# The sampler is refitted on every training fold. The same ``random_state``
# gives the same rows on every run.
import pandas as pd
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.preprocessing import StandardScaler

candidates = {
    "no resampling": "passthrough",
    "SMOTE": SMOTE(random_state=0),
    "VAE": VAEOverSampler(max_steps=200, n_threads=1, random_state=0),
}
cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
scores = {}
for name, resampler in candidates.items():
    model = Pipeline(
        [("resample", resampler), ("scale", StandardScaler()), ("classify", LogisticRegression())]
    )
    result = cross_validate(model, X, y, cv=cv, scoring=["f1", "balanced_accuracy"])
    scores[name] = {
        "F1": result["test_f1"].mean(),
        "balanced accuracy": result["test_balanced_accuracy"].mean(),
        "fit time (s)": result["fit_time"].mean(),
    }
table = pd.DataFrame(scores).T
print(table.round(3))

# %%
# The folds side by side
# ----------------------
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6, 3))
table[["F1", "balanced accuracy"]].plot.barh(ax=ax)
ax.set_xlabel("mean over 5 folds")
ax.set_xlim(0, 1)
fig.tight_layout()
plt.show()

# %%
# Resampling helps the minority class's recall at the cost of some precision;
# which sampler wins depends on the data, so compare them on yours (see
# :ref:`sphx_glr_auto_examples_plot_3_grid_search_samplers.py` for a
# cross-validated choice).
