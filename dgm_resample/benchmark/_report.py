"""Ranks, statistical tests and the Markdown report."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from scipy import stats

from ._cell import METRICS
from ._grid import REFERENCE, slug

#: a difference smaller than this is a tie
TIE = 1e-12


def fold_means(results):
    """Mean of every metric over folds, per dataset x sampler x classifier."""
    keys = ["dataset", "sampler", "classifier"]
    return results.groupby(keys, sort=True)[list(METRICS)].mean().reset_index()


def ranks(means, metric):
    """Rank samplers (1 = best) within each dataset x classifier block.

    A sampler that failed in a block (NaN score) takes the worst rank there.

    Returns
    -------
    DataFrame
        Rows are blocks (dataset, classifier), columns samplers.
    """
    table = means.pivot_table(
        index=["dataset", "classifier"], columns="sampler", values=metric, dropna=False
    )
    table = table.dropna(how="all")
    return table.rank(axis=1, ascending=False, method="average", na_option="bottom")


def mean_rank_table(means, classifier=None):
    """Mean rank of every sampler (rows) per metric (columns)."""
    if classifier is not None:
        means = means[means["classifier"] == classifier]
    return pd.DataFrame({m: ranks(means, m).mean() for m in METRICS})


def wilcoxon_vs(means, metric, reference=REFERENCE):
    """Win / tie / loss and Wilcoxon p-value of every sampler against ``reference``.

    Returns
    -------
    DataFrame
        Index samplers; columns win, tie, loss, p_value.
    """
    table = means.pivot_table(index=["dataset", "classifier"], columns="sampler", values=metric)
    rows = {}
    if reference not in table.columns:
        return pd.DataFrame(columns=["win", "tie", "loss", "p_value"])
    for sampler in table.columns:
        if sampler == reference:
            continue
        pair = table[[sampler, reference]].dropna()
        diff = (pair[sampler] - pair[reference]).to_numpy()
        rows[sampler] = {
            "win": int((diff > TIE).sum()),
            "tie": int((np.abs(diff) <= TIE).sum()),
            "loss": int((diff < -TIE).sum()),
            "p_value": _wilcoxon(diff),
        }
    return pd.DataFrame.from_dict(rows, orient="index", columns=["win", "tie", "loss", "p_value"])


def _wilcoxon(diff):
    if len(diff) == 0:
        return np.nan
    if np.all(np.abs(diff) <= TIE):
        return 1.0
    try:
        return float(stats.wilcoxon(diff, zero_method="zsplit").pvalue)
    except ValueError:
        return np.nan


def friedman(rank_table):
    """Friedman test and Nemenyi critical difference (alpha = 0.05).

    Parameters
    ----------
    rank_table : DataFrame
        Output of :func:`ranks`.

    Returns
    -------
    dict
        ``statistic``, ``p_value``, ``cd``, ``n_blocks``, ``n_samplers``.
    """
    n, k = rank_table.shape
    out = {"statistic": np.nan, "p_value": np.nan, "cd": np.nan, "n_blocks": n, "n_samplers": k}
    if k < 2 or n < 1:
        return out
    out["cd"] = nemenyi_cd(k, n)
    if k >= 3 and n >= 2:
        with np.errstate(all="ignore"):
            result = stats.friedmanchisquare(
                *[rank_table[c].to_numpy() for c in rank_table.columns]
            )
        out["statistic"], out["p_value"] = float(result.statistic), float(result.pvalue)
    return out


def nemenyi_cd(k, n, alpha=0.05):
    """Nemenyi critical difference of mean ranks for ``k`` samplers on ``n`` blocks."""
    q = stats.studentized_range.ppf(1 - alpha, k, np.inf) / np.sqrt(2)
    return float(q * np.sqrt(k * (k + 1) / (6.0 * n)))


def time_table(results):
    """Mean resample and fit time per sampler (seconds per fold)."""
    per_cell = results.groupby(["dataset", "sampler", "repeat", "fold"])
    cells = per_cell.agg(resample_time=("resample_time", "first"), fit_time=("fit_time", "sum"))
    table = cells.groupby("sampler").agg(
        resample_time=("resample_time", "mean"),
        fit_time=("fit_time", "mean"),
        total_resample_time=("resample_time", "sum"),
    )
    errors = (
        results.assign(failed=results["error"].fillna("") != "").groupby("sampler")["failed"].sum()
    )
    table["failed_rows"] = errors
    return table


def _markdown(frame, floatfmt=".3f"):
    frame = frame.copy()
    header = (
        "| " + " | ".join([str(frame.index.name or "")] + [str(c) for c in frame.columns]) + " |"
    )
    lines = [header, "|" + " --- |" * (len(frame.columns) + 1)]
    for i, index in enumerate(frame.index):
        cells = [_fmt(frame[c].iloc[i], floatfmt) for c in frame.columns]
        lines.append("| " + " | ".join([str(index)] + cells) + " |")
    return "\n".join(lines)


def _fmt(value, floatfmt):
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return "" if np.isnan(value) else format(value, floatfmt)
    return str(value)


def summary_table(means):
    """Mean rank of every sampler per metric over all classifiers, sorted by F1 rank."""
    table = mean_rank_table(means)
    table.index.name = "sampler"
    return table.sort_values(METRICS[0])


def _section_ranks(means, classifiers):
    parts = [
        "## Mean rank per sampler",
        "",
        "Rank 1 is best; averaged over datasets "
        "(and classifiers in the first table). A failed sampler ranks last.",
        "",
        "### All classifiers",
        "",
        _markdown(summary_table(means)),
        "",
        "![mean ranks](mean_ranks.png)",
        "",
    ]
    for clf in classifiers:
        table = mean_rank_table(means, clf)
        table.index.name = "sampler"
        parts += [f"### {clf}", "", _markdown(table), ""]
    return parts


def _section_wilcoxon(means):
    parts = [
        f"## Win / tie / loss against {REFERENCE}",
        "",
        "Blocks are dataset x classifier (fold means); p-value of the Wilcoxon "
        "signed-rank test (1.0 when every difference is zero).",
        "",
    ]
    for metric in METRICS:
        table = wilcoxon_vs(means, metric)
        table.index.name = "sampler"
        table["p_value"] = [_fmt(v, ".3g") for v in table["p_value"]]
        parts += [
            f"### {metric}",
            "",
            _markdown(table) if len(table) else f"({REFERENCE} not run)",
            "",
        ]
    return parts


def _section_friedman(means):
    parts = [
        "## Friedman test and critical difference",
        "",
        "Nemenyi critical difference at alpha = 0.05; samplers joined by a bar in the "
        "diagram are not significantly different.",
        "",
        "| metric | chi2 | p-value | CD | blocks | samplers |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for metric in METRICS:
        f = friedman(ranks(means, metric))
        parts.append(
            f"| {metric} | {_fmt(f['statistic'], '.3f')} | {_fmt(f['p_value'], '.3g')} | "
            f"{_fmt(f['cd'], '.3f')} | {f['n_blocks']} | {f['n_samplers']} |"
        )
    parts.append("")
    parts += [f"![critical difference {m}](cd_{m}.png)" for m in METRICS]
    return parts + [""]


def _section_time(results):
    table = time_table(results)
    table.index.name = "sampler"
    return [
        "## Time per sampler",
        "",
        "Seconds per fold: resampling once, then all classifiers' fits.",
        "",
        _markdown(table),
        "",
        "![quality vs time](quality_vs_time.png)",
        "",
    ]


def _section_fidelity(fidelity):
    if fidelity is None or fidelity.empty:
        return []
    numeric = fidelity.drop(columns=["dataset", "repeat", "fold", "error"], errors="ignore")
    table = numeric.groupby("sampler").mean(numeric_only=True)
    parts = [
        "## Fidelity of the synthetic minority rows",
        "",
        "Means over datasets and folds (`dgm_resample.metrics.evaluate_synthetic`).",
        "",
    ]
    if table.shape[1]:
        parts += [_markdown(table), ""]
    failed = fidelity[fidelity["error"].fillna("") != ""]
    if len(failed):
        parts += [f"{len(failed)} fidelity evaluation(s) failed; see fidelity.csv.", ""]
    parts += [f"![fidelity {s}](fidelity_{slug(s)}.png)" for s in table.index if table.shape[1]]
    return parts + [""]


def _section_errors(results):
    failed = results[results["error"].fillna("") != ""]
    if failed.empty:
        return []
    table = failed.groupby(["dataset", "sampler"])["error"].first().reset_index()
    lines = ["## Errors", "", "| dataset | sampler | error |", "| --- | --- | --- |"]
    for _, row in table.iterrows():
        lines.append(f"| {row['dataset']} | {row['sampler']} | {str(row['error'])[:200]} |")
    return lines + [""]


def write_report(path, results, fidelity, config):
    """Write ``report.md``.

    Parameters
    ----------
    path : Path
    results : DataFrame
        ``results.csv`` contents.
    fidelity : DataFrame or None
    config : BenchmarkConfig
    """
    means = fold_means(results)
    classifiers = list(dict.fromkeys(results["classifier"]))
    parts = [
        "# Benchmark report",
        "",
        f"{results['dataset'].nunique()} datasets, {results['sampler'].nunique()} samplers, "
        f"{len(classifiers)} classifiers, {config.n_repeats} x {config.n_splits}-fold "
        f"stratified CV, seed {config.seed}. Configuration: `config.yaml`; "
        "rows: `results.csv`.",
        "",
        "Datasets: " + ", ".join(f"`{d}`" for d in sorted(results["dataset"].unique())) + ".",
        "",
    ]
    if config.sampler_params:
        parts += [
            "dgm_resample samplers ran with these parameters (other parameters at their "
            f"defaults): `{json.dumps(config.sampler_params, sort_keys=True)}`.",
            "",
        ]
    parts += _section_ranks(means, classifiers)
    parts += _section_wilcoxon(means)
    parts += _section_friedman(means)
    parts += _section_time(results)
    parts += _section_fidelity(fidelity)
    parts += _section_errors(results)
    path.write_text("\n".join(parts), encoding="utf-8")
