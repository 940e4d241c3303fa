"""PNG figures of the report (matplotlib, Agg backend)."""

from __future__ import annotations

import numpy as np

from ._grid import slug
from ._scoring import METRICS
from ._stats import complete_blocks, friedman, mean_rank_table, ranks, time_table


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _cliques(names, values, cd):
    """Maximal groups of consecutive samplers whose mean ranks differ by less than ``cd``."""
    groups = []
    for i in range(len(values)):
        j = i
        while j + 1 < len(values) and values[j + 1] - values[i] < cd:
            j += 1
        if j > i and not any(a <= i and j <= b for a, b in groups):
            groups.append((i, j))
    return groups


def cd_diagram(rank_table, path, title):
    """Draw a critical-difference diagram of mean ranks.

    Parameters
    ----------
    rank_table : DataFrame
        Blocks x strategies ranks (:func:`ranks`); the blocks where every
        strategy applies are drawn.
    path : Path
    title : str
    """
    plt = _pyplot()
    mean = complete_blocks(rank_table).mean().sort_values()
    k = len(mean)
    cd = friedman(rank_table)["cd"]
    fig, ax = plt.subplots(figsize=(8, 1.6 + 0.3 * k))
    ax.set_xlim(0.5, max(k, 2) + 0.5)
    ax.set_ylim(-(k + 2), 1.8)
    ax.axis("off")
    ax.hlines(0, 1, max(k, 2), color="black")
    for r in range(1, max(k, 2) + 1):
        ax.vlines(r, 0, 0.15, color="black")
        ax.text(r, 0.3, str(r), ha="center", fontsize=9)
    half = (k + 1) // 2
    for i, (name, value) in enumerate(mean.items()):
        left = i < half
        y = -(i + 1) if left else -(k - i)
        end = 0.5 if left else max(k, 2) + 0.5
        ax.plot([value, value, end], [0, y, y], color="tab:blue", lw=1)
        ax.text(end, y + 0.15, f"{name} ({value:.2f})", ha="left" if left else "right", fontsize=8)
    if np.isfinite(cd):
        ax.plot([1, 1 + cd], [1.2, 1.2], color="black", lw=2)
        ax.text(1 + cd / 2, 1.4, f"CD = {cd:.2f}", ha="center", fontsize=8)
        for n, (i, j) in enumerate(_cliques(list(mean.index), mean.to_numpy(), cd)):
            ax.hlines(-0.4 - 0.25 * n, mean.iloc[i] - 0.05, mean.iloc[j] + 0.05, color="red", lw=3)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def mean_rank_plot(means, path):
    """Grouped bars: mean rank of every strategy per metric."""
    plt = _pyplot()
    table = mean_rank_table(means)
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(METRICS) + 0.3 * len(table)), 4))
    width = 0.8 / max(len(table), 1)
    x = np.arange(len(METRICS))
    for i, (sampler, row) in enumerate(table.iterrows()):
        ax.bar(x + i * width, row.to_numpy(), width, label=sampler)
    ax.set_xticks(x + 0.4 - width / 2)
    ax.set_xticklabels(METRICS, fontsize=8)
    ax.set_ylabel("mean rank (lower is better)")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def quality_time_plot(results, means, path, metric=METRICS[0]):
    """Mean rank on ``metric`` against mean resampling time per strategy."""
    plt = _pyplot()
    rank = ranks(means, metric).mean()
    times = time_table(results)["resample_time"].reindex(rank.index)
    fig, ax = plt.subplots(figsize=(6, 4))
    x = np.maximum(times.fillna(0).to_numpy(), 1e-4)
    ax.scatter(x, rank.to_numpy())
    for name, xi, yi in zip(rank.index, x, rank.to_numpy()):
        ax.annotate(name, (xi, yi), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xlabel("mean resampling time per fold [s]")
    ax.set_ylabel(f"mean rank on {metric} (lower is better)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def fidelity_plots(fidelity, folder):
    """One bar chart of mean fidelity metrics per sampler (``fidelity_<sampler>.png``)."""
    plt = _pyplot()
    numeric = fidelity.drop(columns=["dataset", "repeat", "fold", "error"], errors="ignore")
    table = numeric.groupby("sampler").mean(numeric_only=True)
    for sampler, row in table.iterrows():
        row = row.dropna()
        if row.empty:
            continue
        fig, ax = plt.subplots(figsize=(7, 3.5))
        ax.bar(range(len(row)), row.to_numpy())
        ax.set_xticks(range(len(row)))
        ax.set_xticklabels(row.index, rotation=45, ha="right", fontsize=8)
        ax.set_title(f"fidelity: {sampler}", fontsize=10)
        fig.tight_layout()
        fig.savefig(folder / f"fidelity_{slug(sampler)}.png", dpi=100)
        plt.close(fig)


def reliability_plots(calibration, folder):
    """One reliability diagram per sampler (``reliability_<sampler>.png``).

    Parameters
    ----------
    calibration : DataFrame
        ``calibration.csv``: per dataset, sampler, classifier, repeat, fold and
        bin the rows (``count``), summed probability and positives; every
        test fold is pooled.
    folder : Path
    """
    plt = _pyplot()
    pooled = calibration.groupby(["sampler", "classifier", "bin"])[
        ["count", "sum_prob", "sum_pos"]
    ].sum()
    for sampler in dict.fromkeys(calibration["sampler"]):
        fig, ax = plt.subplots(figsize=(4.5, 4.5))
        ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--")
        for classifier, table in pooled.loc[sampler].groupby(level="classifier"):
            table = table[table["count"] > 0]
            x = table["sum_prob"] / table["count"]
            y = table["sum_pos"] / table["count"]
            ax.plot(x.to_numpy(), y.to_numpy(), marker="o", ms=3, label=classifier)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("mean predicted probability (positive class)")
        ax.set_ylabel("observed frequency")
        ax.set_title(f"reliability: {sampler}", fontsize=10)
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(folder / f"reliability_{slug(sampler)}.png", dpi=100)
        plt.close(fig)


def write_plots(folder, results, means, fidelity, calibration=None):
    """Write every figure of the report into ``folder``.

    The rank figures (critical differences, mean ranks, quality against time)
    need several datasets; a one-dataset run gets the reliability and
    fidelity figures only.
    """
    if results["dataset"].nunique() > 1:
        for metric in METRICS:
            cd_diagram(
                ranks(means, metric), folder / f"cd_{metric}.png", f"critical difference: {metric}"
            )
        mean_rank_plot(means, folder / "mean_ranks.png")
        quality_time_plot(results, means, folder / "quality_vs_time.png")
    if fidelity is not None and not fidelity.empty:
        fidelity_plots(fidelity, folder)
    if calibration is not None and not calibration.empty:
        reliability_plots(calibration, folder)
