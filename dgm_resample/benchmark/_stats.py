"""Statistics of a results table: fold means, ranks, paired tests, Friedman / Nemenyi, times.

The report, the plots and the scripts under ``benchmarks/`` all read these.
A *strategy* is a sampler at one threshold variant: ``"SMOTE"`` (default
threshold), ``"SMOTE+tuned"`` (tuned threshold) or ``"SMOTE+calibrated"``
(inside :class:`~dgm_resample.ResampledClassifierCV`: calibrated
probabilities and a threshold chosen on them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ._scoring import LOWER_IS_BETTER, METRICS, NOT_APPLICABLE, PROBABILITY_METRICS

#: a difference smaller than this is a tie
TIE = 1e-12
#: coverage of the intervals of a one-dataset report
CONFIDENCE = 0.95
#: suffix of the strategies scored at a tuned threshold
TUNED = "+tuned"
#: suffix of the strategies run inside ResampledClassifierCV
CALIBRATED = "+calibrated"
#: the threshold variants and the suffix of their strategies' names
VARIANTS = {"default": "", "tuned": TUNED, "calibrated": CALIBRATED}


def strategy_name(sampler, threshold):
    """``sampler`` at the default threshold, ``sampler`` + the variant's suffix otherwise."""
    return sampler + VARIANTS[threshold]


def split_strategy(strategy):
    """``(sampler, threshold variant)`` of a strategy name."""
    for threshold, suffix in VARIANTS.items():
        if suffix and strategy.endswith(suffix):
            return strategy[: -len(suffix)], threshold
    return strategy, "default"


def base_sampler(strategy):
    """The sampler of a strategy name (``"SMOTE+tuned"`` -> ``"SMOTE"``)."""
    return split_strategy(strategy)[0]


def fold_means(results):
    """Mean of every metric over folds, per dataset x strategy x classifier.

    Rows with status ``not_applicable`` are left out; a failed fold (NaN) is skipped by the
    mean, so a block is NaN only when every fold failed.

    Returns
    -------
    DataFrame
        Columns dataset, sampler, threshold, strategy, classifier (and seed
        when ``results`` has one) and the metrics.
    """
    results = results[results["status"] != NOT_APPLICABLE] if "status" in results else results
    if "threshold" not in results:
        results = results.assign(threshold="default")
    keys = ["dataset", "sampler", "threshold", "classifier"]
    keys += ["seed"] if "seed" in results else []
    metrics = [m for m in METRICS if m in results]
    means = results.groupby(keys, sort=True)[metrics].mean().reset_index()
    means.insert(
        3, "strategy", [strategy_name(s, t) for s, t in means[["sampler", "threshold"]].values]
    )
    return means


def _block_keys(means):
    return ["dataset", "classifier"] + (["seed"] if "seed" in means else [])


def metric_table(means, metric):
    """Blocks (dataset x classifier) by strategies, the fold-mean ``metric``.

    Probability metrics do not depend on the threshold: a tuned strategy
    enters only where its sampler has no default-threshold models (calibrated
    strategies, whose probabilities are their own, always enter). A strategy that does not apply in a block is missing (NaN) there;
    one that failed is NaN too and is told apart by :func:`ranks`.
    """
    if metric in PROBABILITY_METRICS:
        has_default = means.groupby(["dataset", "classifier", "sampler"])["threshold"].transform(
            lambda t: (t == "default").any()
        )
        means = means[(means["threshold"] != "tuned") | ~has_default]
    return means.pivot_table(
        index=_block_keys(means), columns="strategy", values=metric, dropna=False, aggfunc="first"
    )


def ranks(means, metric):
    """Rank strategies (1 = best) within each block.

    A strategy that failed in a block (NaN score) takes the worst rank there;
    one that does not apply (no row, e.g. ``class_weight`` with k-NN) is left
    out of the block, whose other strategies are ranked among themselves.

    Returns
    -------
    DataFrame
        Rows are blocks, columns strategies; NaN where a strategy does not apply.
    """
    table = metric_table(means, metric)
    present = means.assign(_one=1.0).pivot_table(
        index=_block_keys(means), columns="strategy", values="_one", aggfunc="first"
    )
    present = present.reindex(index=table.index, columns=table.columns).notna()
    table = table[table.notna().any(axis=1)]
    present = present.loc[table.index]
    lower = metric in LOWER_IS_BETTER
    worst = np.inf if lower else -np.inf
    filled = table.mask(present & table.isna(), worst)
    return filled.rank(axis=1, ascending=lower, method="average", na_option="keep")


def mean_rank_table(means, classifier=None):
    """Mean rank of every strategy (rows) per metric (columns) that ``means`` holds."""
    if classifier is not None:
        means = means[means["classifier"] == classifier]
    return pd.DataFrame({m: ranks(means, m).mean() for m in METRICS if m in means})


def win_tie_loss(diff, metric):
    """Wins, ties and losses of differences ``a - b`` (the metric's direction)."""
    diff = np.asarray(diff, dtype=np.float64)
    if metric in LOWER_IS_BETTER:
        diff = -diff
    return int((diff > TIE).sum()), int((np.abs(diff) <= TIE).sum()), int((diff < -TIE).sum())


def paired(table, a, b, metric):
    """Win / tie / loss of strategy ``a`` against ``b`` and the Wilcoxon p-value.

    Parameters
    ----------
    table : DataFrame
        Blocks by strategies (:func:`metric_table`).

    Returns
    -------
    dict
        ``win``, ``tie``, ``loss``, ``p_value`` over the blocks where both were scored.
    """
    pair = table[[a, b]].dropna()
    diff = (pair[a] - pair[b]).to_numpy()
    win, tie, loss = win_tie_loss(diff, metric)
    return {"win": win, "tie": tie, "loss": loss, "p_value": wilcoxon_p(diff)}


def wilcoxon_vs(means, metric, reference):
    """Win / tie / loss and Wilcoxon p-value of every strategy against ``reference``.

    Returns
    -------
    DataFrame
        Index strategies; columns win, tie, loss, p_value.
    """
    columns = ["win", "tie", "loss", "p_value"]
    table = metric_table(means, metric)
    if reference not in table.columns:
        return pd.DataFrame(columns=columns)
    rows = {s: paired(table, s, reference, metric) for s in table.columns if s != reference}
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns)


def wilcoxon_p(diff):
    """Two-sided Wilcoxon signed-rank p-value (1.0 when every difference is zero)."""
    diff = np.asarray(diff, dtype=np.float64)
    if len(diff) == 0:
        return np.nan
    if np.all(np.abs(diff) <= TIE):
        return 1.0
    try:
        return float(stats.wilcoxon(diff, zero_method="zsplit").pvalue)
    except ValueError:
        return np.nan


def complete_blocks(rank_table):
    """The blocks where every strategy applies (Friedman and Nemenyi need them)."""
    return rank_table.dropna(how="any")


def friedman(rank_table):
    """Friedman test and Nemenyi critical difference (alpha = 0.05) on complete blocks.

    Parameters
    ----------
    rank_table : DataFrame
        Output of :func:`ranks`; blocks where a strategy does not apply are left out.

    Returns
    -------
    dict
        ``statistic``, ``p_value``, ``cd``, ``n_blocks``, ``n_samplers``.
    """
    rank_table = complete_blocks(rank_table)
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
    """Nemenyi critical difference of mean ranks for ``k`` strategies on ``n`` blocks."""
    q = stats.studentized_range.ppf(1 - alpha, k, np.inf) / np.sqrt(2)
    return float(q * np.sqrt(k * (k + 1) / (6.0 * n)))


def fold_values(results, classifier, metric):
    """The fold values of ``metric`` for one classifier on one dataset.

    Parameters
    ----------
    results : DataFrame
        ``results.csv`` rows of one dataset.
    classifier : str
    metric : str

    Returns
    -------
    DataFrame
        Index (repeat, fold), columns the strategies that apply; NaN where a
        fold failed. The rows of two strategies pair up: the same split.
    """
    rows = results[(results["classifier"] == classifier) & (results["status"] != NOT_APPLICABLE)]
    rows = rows.assign(
        strategy=[strategy_name(s, t) for s, t in rows[["sampler", "threshold"]].values]
    )
    return rows.pivot_table(
        index=["repeat", "fold"], columns="strategy", values=metric, dropna=False, aggfunc="first"
    )


def corrected_interval(values, n_splits, confidence=CONFIDENCE):
    """Mean and two-sided interval of values measured on the folds of k-fold CV.

    The corrected resampled t interval (Nadeau and Bengio, 2003; Bouckaert
    and Frank, 2004): the ``n`` values of ``n_repeats x n_splits`` folds
    share training rows, so their variance ``s^2`` is inflated to
    ``s^2 (1 / n + 1 / (n_splits - 1))`` (test over training rows) before
    taking the t quantile with ``n - 1`` degrees of freedom. Paired
    differences of two strategies over the same folds go in the same way.

    Parameters
    ----------
    values : array-like
        One value per fold; NaN (a failed fold) is left out.
    n_splits : int
        Folds per repeat (``k``).
    confidence : float, default=0.95

    Returns
    -------
    tuple of float
        ``(mean, low, high)``; ``low`` and ``high`` are NaN with fewer than
        two values.
    """
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    n = len(values)
    if n == 0:
        return np.nan, np.nan, np.nan
    mean = float(values.mean())
    if n < 2:
        return mean, np.nan, np.nan
    scale = values.std(ddof=1) * np.sqrt(1.0 / n + 1.0 / (n_splits - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * scale)
    return mean, mean - half, mean + half


def time_table(results):
    """Seconds per fold of every strategy.

    ``resample_time``: sampler fits the strategy needs on one fold (the tuned
    threshold adds one per inner fold); ``fit_time``: every classifier's
    preprocessing and fit, summed over classifiers; ``failed_rows``: rows that
    failed.
    """
    results = results[results["status"] != NOT_APPLICABLE] if "status" in results else results
    if "threshold" not in results:
        results = results.assign(threshold="default")
    cells = results.groupby(["dataset", "sampler", "threshold", "repeat", "fold"]).agg(
        resample_time=("resample_time", "first"), fit_time=("fit_time", "sum")
    )
    cells = cells.reset_index()
    cells["strategy"] = [strategy_name(s, t) for s, t in cells[["sampler", "threshold"]].values]
    table = cells.groupby("strategy").agg(
        resample_time=("resample_time", "mean"),
        fit_time=("fit_time", "mean"),
        total_resample_time=("resample_time", "sum"),
    )
    failed = results.assign(
        strategy=[strategy_name(s, t) for s, t in results[["sampler", "threshold"]].values],
        failed=results["error"].fillna("") != "",
    )
    table["failed_rows"] = failed.groupby("strategy")["failed"].sum()
    return table
