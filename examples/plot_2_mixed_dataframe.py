"""
=====================================================
A mixed DataFrame: categories and missing values
=====================================================

Interpolation samplers such as ``SMOTE`` need numbers without holes. The deep
samplers take a pandas DataFrame as it is: integer, float, boolean and
categorical (or string) columns, with missing values, and return a DataFrame
with the same columns and dtypes. Each column is modelled with a likelihood of
its type, so integers stay whole and inside their observed range, categories
stay among the observed levels, and missing values are generated at about the
rate they have in each class.
"""

# %%
# A table like a customer file
# ----------------------------
# 1,500 rows, about 8% churners. ``income`` and ``plan`` have missing values;
# churners are younger, pay more and use the ``basic`` plan more often.
import numpy as np
import pandas as pd

rng = np.random.default_rng(0)
n = 1500
churned = rng.random(n) < 0.08
age = np.where(churned, rng.integers(18, 45, n), rng.integers(18, 80, n))
income = np.round(rng.lognormal(np.where(churned, 10.6, 10.2), 0.4), -2)
income[rng.random(n) < 0.15] = np.nan
plan = np.where(
    churned,
    rng.choice(["basic", "plus", "premium"], n, p=[0.7, 0.2, 0.1]),
    rng.choice(["basic", "plus", "premium"], n, p=[0.3, 0.4, 0.3]),
).astype(object)
plan[rng.random(n) < 0.1] = np.nan
X = pd.DataFrame(
    {
        "age": age,  # int64
        "income": income,  # float64 with NaN
        "paperless": rng.random(n) < np.where(churned, 0.8, 0.5),  # bool
        "plan": pd.Categorical(plan, categories=["basic", "plus", "premium"]),  # with NaN
        "region": rng.choice(["north", "south", "east", "west"], n),  # object (strings)
    }
)
y = churned.astype(int)
print(X.head())

# %%
# Resample the DataFrame
# ----------------------
# ``categorical_features="auto"`` (the default) takes the category, object and
# string columns as categorical, as ``SMOTENC`` does. Here the churners are
# brought to half the size of the other class.
from dgm_resample import AutoregressiveOverSampler

sampler = AutoregressiveOverSampler(
    sampling_strategy=0.5, max_steps=200, n_threads=1, random_state=0
)
X_res, y_res = sampler.fit_resample(X, y)
synthetic = X_res.iloc[len(X) :]  # the original rows come first, then the new ones
print(f"{len(X)} rows in, {len(X_res)} out ({len(synthetic)} synthetic churners)")

# %%
# Same columns and dtypes in and out:
print(pd.DataFrame({"input": X.dtypes.astype(str), "output": X_res.dtypes.astype(str)}))

# %%
# Ranges, levels and missing values
# ---------------------------------
# The synthetic churners against the real ones: whole-number ages (the
# encoder clips numeric columns to the range seen in the whole table, here
# 18-79), only observed levels, and missing values at a similar rate.
real = X[y == 1]
summary = pd.DataFrame(
    {
        "real churners": [
            f"{real['age'].min()}-{real['age'].max()}",
            f"{real['income'].isna().mean():.0%}",
            f"{real['plan'].isna().mean():.0%}",
            ", ".join(sorted(real["region"].unique())),
        ],
        "synthetic churners": [
            f"{synthetic['age'].min()}-{synthetic['age'].max()}",
            f"{synthetic['income'].isna().mean():.0%}",
            f"{synthetic['plan'].isna().mean():.0%}",
            ", ".join(sorted(synthetic["region"].unique())),
        ],
    },
    index=["age range", "income missing", "plan missing", "regions"],
)
print(summary)

# %%
# The class-conditional distributions side by side: the synthetic rows follow
# the churners (not the majority class) on numeric and categorical columns.
import matplotlib.pyplot as plt

groups = {
    "other customers": X[y == 0],
    "real churners": real,
    "synthetic churners": synthetic,
}
fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
bins = np.linspace(18, 80, 16)
for name, frame in groups.items():
    axes[0].hist(frame["age"], bins=bins, density=True, histtype="step", lw=2, label=name)
    axes[1].hist(np.log10(frame["income"].dropna()), bins=20, density=True, histtype="step", lw=2)
axes[0].set_xlabel("age")
axes[1].set_xlabel("log10(income), non-missing")
shares = pd.DataFrame(
    {
        name: frame["plan"]
        .value_counts(normalize=True, dropna=False)
        .rename(index=lambda level: "missing" if pd.isna(level) else level)
        for name, frame in groups.items()
    }
)
shares.plot.bar(ax=axes[2], legend=False, rot=0)
axes[2].set_ylabel("share")
axes[2].set_xlabel("plan")
axes[0].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
# In a model
# ----------
# The resampled DataFrame goes into any scikit-learn preprocessing. Inside an
# ``imblearn`` pipeline, the sampler receives the raw DataFrame (before
# imputation and one-hot encoding), so it models the real columns.
from imblearn.pipeline import make_pipeline
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import cross_val_score
from sklearn.preprocessing import OrdinalEncoder

encode = make_column_transformer(
    (
        OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
        ["plan", "region"],
    ),
    remainder="passthrough",
)
for name, resampler in {"no resampling": None, "autoregressive": sampler}.items():
    steps = [resampler] if resampler is not None else []
    model = make_pipeline(
        *steps, encode, HistGradientBoostingClassifier(max_iter=50, random_state=0)
    )
    scores = cross_val_score(model, X, y, cv=3, scoring="average_precision")
    print(f"{name:>14}: average precision {scores.mean():.3f}")

# %%
# Average precision ranks rows by score and resampling seldom changes a
# ranking much; on this table it does not help. Whether resampling pays off
# depends on the data, the classifier and the metric: see
# :ref:`sphx_glr_auto_examples_plot_3_grid_search_samplers.py` to let
# cross-validation decide, and
# :ref:`sphx_glr_auto_examples_plot_4_threshold_tuning.py` for the decision
# threshold.
