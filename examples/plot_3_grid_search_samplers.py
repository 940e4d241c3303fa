"""
==================================================
Choosing a sampler by cross-validation
==================================================

Whether to resample, and with which sampler, is a hyper-parameter like any
other. Make the resampling step of an imbalanced-learn
:class:`~imblearn.pipeline.Pipeline` a parameter of
:class:`~sklearn.model_selection.GridSearchCV` and let cross-validation choose
between no resampling (``"passthrough"``), ``SMOTE`` and the deep samplers,
each with its own settings.
"""

# %%
# Data and pipeline
# -----------------
# A problem with 6% positives and some label noise.
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from dgm_resample import FlowOverSampler, VAEOverSampler

X, y = make_classification(
    n_samples=1200,
    n_features=10,
    n_informative=5,
    weights=[0.94],
    flip_y=0.02,
    class_sep=0.9,
    random_state=1,
)
pipeline = Pipeline(
    [
        ("resample", "passthrough"),
        ("scale", StandardScaler()),
        ("classify", LogisticRegression()),
    ]
)

# %%
# The grid
# --------
# A list of grids: one per kind of resampling step, so that each sampler is
# searched over its own parameters only. Small ``max_steps`` keep this page
# fast; ``n_threads=1`` keeps each fit on one core.
common = {"max_steps": 100, "n_threads": 1, "random_state": 0}
param_grid = [
    {"resample": ["passthrough"]},
    {"resample": [SMOTE(random_state=0)], "resample__k_neighbors": [5]},
    {
        "resample": [VAEOverSampler(**common)],
        "resample__sampling_strategy": [0.5, 1.0],
    },
    {"resample": [FlowOverSampler(**common)]},
]
search = GridSearchCV(
    pipeline,
    param_grid,
    scoring="f1",
    cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=0),
)
search.fit(X, y)
print("best:", search.best_params_)

# %%
# The results
# -----------
# One row per candidate: the mean and standard deviation of F1 over the three
# folds, and the mean fit time (resampling included).
import pandas as pd


def describe(params):
    step = params["resample"]
    if step == "passthrough":
        return "no resampling"
    name = type(step).__name__
    strategy = params.get("resample__sampling_strategy")
    return name if strategy is None else f"{name} (sampling_strategy={strategy})"


results = pd.DataFrame(
    {
        "candidate": [describe(p) for p in search.cv_results_["params"]],
        "mean F1": search.cv_results_["mean_test_score"],
        "std F1": search.cv_results_["std_test_score"],
        "fit time (s)": search.cv_results_["mean_fit_time"],
    }
).sort_values("mean F1", ascending=False)
print(results.round(3).to_string(index=False))

# %%
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(7, 3))
ordered = results.iloc[::-1]
ax.barh(ordered["candidate"], ordered["mean F1"], xerr=ordered["std F1"], color="tab:blue")
ax.set_xlabel("F1, mean and standard deviation over 3 folds")
fig.tight_layout()
plt.show()

# %%
# The refitted best pipeline (``search.best_estimator_``) resamples the whole
# training set once with the chosen sampler. With three folds and small
# minority classes the standard deviations are wide: use more folds, or
# repeated folds, before trusting a small difference, or run the benchmark
# (:ref:`sphx_glr_auto_examples_plot_7_benchmark_report.py`) over several
# datasets.
