"""The Markdown report: verdict, ranks, statistical tests, probability quality, times.

A run on several datasets gets rank statistics over the dataset x classifier
blocks; a run on one dataset gets means with intervals over the folds and
paired differences instead (:mod:`._single`).
"""

from __future__ import annotations

import json

import numpy as np

from ._grid import BUILTIN_SAMPLERS, REFERENCE, slug
from ._scoring import LOWER_IS_BETTER, METRICS
from ._single import display_name, section_differences, section_scores
from ._single import section_verdict as one_dataset_verdict
from ._stats import (
    TUNED,
    fold_means,
    friedman,
    mean_rank_table,
    metric_table,
    ranks,
    time_table,
    wilcoxon_vs,
)
from ._verdict import section_verdict


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
    """Mean rank of every strategy per metric over all classifiers, sorted by F1 rank."""
    table = mean_rank_table(means)
    table.index.name = "strategy"
    return table.sort_values(METRICS[0])


def _with_na(table, strategies):
    """``table`` with a row ``n/a`` for every strategy missing from it (it does not apply)."""
    out = table.reindex(strategies).astype(object)
    out.loc[~out.index.isin(table.index)] = "n/a"
    out.index.name = "strategy"
    return out


def _section_ranks(means, classifiers):
    strategies = list(summary_table(means).index)
    parts = [
        "## Mean rank per strategy",
        "",
        "Rank 1 is best (for brier, log_loss and ece the lowest value); averaged over "
        "datasets (and classifiers in the first table). A strategy is a sampler at the "
        "classifier's default threshold, or `+tuned` at a threshold tuned on the training "
        "fold. A failed strategy ranks last in its block; one that does not apply (`n/a`: "
        "`class_weight` with k-NN or the MLP, a tuned threshold on a multi-class table) is "
        "left out of the block, whose other strategies are ranked among themselves. "
        "Probability metrics are the same at every threshold, so they rank each sampler "
        "once (at the default threshold) and are blank for `+tuned`.",
        "",
        "### All classifiers",
        "",
        _markdown(summary_table(means)),
        "",
        "![mean ranks](mean_ranks.png)",
        "",
    ]
    for clf in classifiers:
        table = _with_na(mean_rank_table(means, clf), strategies)
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
        table = wilcoxon_vs(means, metric, REFERENCE)
        table.index.name = "strategy"
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
        "Nemenyi critical difference at alpha = 0.05 over the blocks where every "
        "strategy applies; strategies joined by a bar in the diagram are not "
        "significantly different.",
        "",
        "| metric | chi2 | p-value | CD | blocks | strategies |",
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


def _section_probability(means, classifiers):
    parts = [
        "## Probability quality",
        "",
        "Mean over datasets of the fold means (lower is better), per strategy and "
        "classifier, at the default threshold (a tuned threshold leaves the "
        "probabilities unchanged; `+calibrated` strategies have calibrated ones). Brier score: mean squared error of the positive "
        "(minority) class probability; log loss: cross-entropy over all classes; ece: "
        "expected calibration error over 10 equal-width bins of the positive-class "
        "probability, sum over bins of (rows in bin / rows) x |mean probability - share "
        "of positives|. The reliability diagrams pool every test fold of every dataset.",
        "",
    ]
    # calibrated strategies have probabilities of their own: rows of their own
    rows = list(dict.fromkeys(s for s in means["strategy"] if not s.endswith(TUNED)))
    scored = means.groupby(["strategy", "classifier"]).size().unstack().reindex(rows)
    applies = scored.reindex(columns=classifiers).notna()
    for metric in LOWER_IS_BETTER:
        table = metric_table(means, metric).groupby(level="classifier").mean().T
        table = table.rename(index=lambda s: s.removesuffix(TUNED))
        table = table.reindex(index=rows, columns=classifiers).astype(object)
        table[~applies.reindex(rows).fillna(False).to_numpy(dtype=bool)] = "n/a"
        table.index.name = "strategy"
        parts += [f"### {metric}", "", _markdown(table, ".4f"), ""]
    parts += [f"![reliability {s}](reliability_{slug(s)}.png)" for s in rows]
    return parts + [""]


#: why a built-in strategy ran as another class, by that class
_WHY = {"SMOTENC": "mixed tables", "SMOTEN": "all-categorical tables"}


def resampler_labels(results):
    """Names of what ran, for the built-in strategies that choose their class per table.

    The ``SMOTE`` strategy runs SMOTENC on a table with categorical columns and
    SMOTEN on an all-categorical one (``results.csv``'s ``resampler``).

    Returns
    -------
    labels : dict
        Strategy -> the name the report gives it: the class that ran on a
        one-dataset run (``"SMOTENC"``), else the strategy with the classes
        that ran (``"SMOTE (SMOTENC on mixed tables)"``).
    notes : list of str
        One sentence per such strategy, naming the tables.
    """
    if "resampler" not in results:
        return {}, []
    ran = results[(results["resampler"] != "") & results["sampler"].isin(BUILTIN_SAMPLERS)]
    one = results["dataset"].nunique() == 1
    labels, notes = {}, []
    for sampler, rows in ran.groupby("sampler", sort=False):
        tables = {}
        for dataset, name in rows.groupby("dataset")["resampler"].first().items():
            tables.setdefault(name, []).append(f"`{dataset}`")
        if set(tables) == {sampler}:
            continue
        if one:
            (name,) = tables
            labels[sampler] = name
            notes.append(
                f"`{sampler}` ran as {name} on this table; the report calls it {name} "
                f"(`{sampler}` in results.csv)."
            )
            continue
        kinds = [f"{n} on {_WHY.get(n, 'some tables')}" for n in tables if n != sampler]
        labels[sampler] = f"{sampler} ({', '.join(kinds)})"
        order = sorted(tables, key=lambda n: n == sampler)  # the plain class last
        ran_as = "; as ".join(f"{n} on {', '.join(tables[n])}" for n in order)
        notes.append(f"`{sampler}` ran as {ran_as}.")
    return labels, notes


def _subsampled_line(subsampled, max_rows):
    """The report's line on the datasets cut to ``max_rows`` rows (empty when none was)."""
    if not subsampled:
        return []
    cuts = "; ".join(f"`{name}` {a:,} -> {b:,} rows" for name, (a, b) in subsampled.items())
    return [
        f"Subsampled (stratified) to max_rows = {max_rows}: {cuts}. `--max-rows N` sets "
        "another cap; a `--data` file is cut only when `--max-rows` is given.",
        "",
    ]


def _section_time(results, single=False, labels=None):
    table = time_table(results)
    if single:
        table = table.rename(index=lambda s: display_name(s, labels or {}))
    table.index.name = "strategy"
    return [
        "## Time per strategy",
        "",
        "Seconds per fold: the sampler fits the strategy needs (one, plus one per inner "
        "fold with a tuned threshold), then all classifiers' fits (with a tuned threshold, "
        "one per inner fold and the final refit).",
        "",
        _markdown(table),
        "",
        *([] if single else ["![quality vs time](quality_vs_time.png)", ""]),
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
    failed = results[results["status"] == "failed"]
    if failed.empty:
        return []
    table = failed.groupby(["dataset", "sampler"])["error"].first().reset_index()
    lines = ["## Errors", "", "| dataset | sampler | error |", "| --- | --- | --- |"]
    for _, row in table.iterrows():
        lines.append(f"| {row['dataset']} | {row['sampler']} | {str(row['error'])[:200]} |")
    return lines + [""]


def _thresholds_line(results, config):
    def which(variant):
        names = sorted(results.loc[results["threshold"] == variant, "sampler"].unique())
        if set(names) == set(results["sampler"]):
            return "every strategy"
        return "only " + ", ".join(f"`{s}`" for s in names) if names else ""

    tuned, calibrated = which("tuned"), which("calibrated")
    if not tuned and not calibrated:
        return "Every model is scored at the classifier's default threshold."
    lines = []
    if tuned:
        lines.append(
            f"Tuned thresholds (`+tuned`, {tuned}): `TunedThresholdClassifierCV` maximizing "
            f"`{config.threshold_metric}` over {config.threshold_cv} inner stratified folds of "
            "the training fold, the sampler refitted inside each inner fold."
        )
    if calibrated:
        options = json.dumps(config.calibration_params or {}, sort_keys=True)
        lines.append(
            f"Calibrated (`+calibrated`, {calibrated}): `ResampledClassifierCV` around the "
            f"sampler and the classifier, cross-fitted over the same {config.threshold_cv} "
            "inner folds, probabilities calibrated on the out-of-fold rows and the threshold "
            f"chosen on them for `{config.threshold_metric}` (further options: `{options}`)."
        )
    if "every" not in tuned or "every" not in calibrated:
        lines.append("Strategies without a variant are scored at the default threshold.")
    return " ".join(lines)


def write_report(path, results, fidelity, config, dgm_names=(), subsampled=None):
    """Write ``report.md``.

    Parameters
    ----------
    path : Path
    results : DataFrame
        ``results.csv`` contents.
    fidelity : DataFrame or None
    config : BenchmarkConfig
    dgm_names : sequence of str
        The ``dgm_resample`` samplers (the verdict compares the best of them).
    subsampled : dict, optional
        Dataset -> ``(rows loaded, rows kept)`` for the datasets cut to
        ``config.max_rows`` rows.

    Returns
    -------
    list of str
        The verdict's lines of a one-dataset report (for the console); empty
        for several datasets.
    """
    means = fold_means(results)
    classifiers = list(dict.fromkeys(results["classifier"]))
    n_datasets = results["dataset"].nunique()
    labels, notes = resampler_labels(results)
    parts = [
        "# Benchmark report",
        "",
        f"{n_datasets} dataset{'' if n_datasets == 1 else 's'}, "
        f"{results['sampler'].nunique()} strategies, "
        f"{len(classifiers)} classifiers, {config.n_repeats} x {config.n_splits}-fold "
        f"stratified CV, seed {config.seed}. Configuration: `config.yaml`; "
        "rows: `results.csv`. " + _thresholds_line(results, config),
        "",
        "Datasets: " + ", ".join(f"`{d}`" for d in sorted(results["dataset"].unique())) + ".",
        "",
        *_subsampled_line(subsampled, config.max_rows),
        *([" ".join(notes), ""] if notes else []),
    ]
    if config.sampler_params:
        parts += [
            "dgm_resample samplers ran with these parameters (other parameters at their "
            f"defaults): `{json.dumps(config.sampler_params, sort_keys=True)}`.",
            "",
        ]
    lines = []
    if n_datasets == 1:
        key_metric = config.threshold_metric if config.threshold_metric in METRICS else "f1"
        args = (results, config, classifiers, key_metric)
        verdict, lines = one_dataset_verdict(*args, set(dgm_names), labels)
        parts += verdict
        parts += section_scores(*args, labels)
        parts += section_differences(*args, labels)
        parts += [
            "## Reliability diagrams",
            "",
            "Per sampler and classifier, the positive-class probability in 10 equal-width "
            "bins pooled over every test fold: mean predicted probability against observed "
            "frequency (the diagonal is perfect calibration).",
            "",
        ]
        strategies = dict.fromkeys(s for s in means["strategy"] if not s.endswith(TUNED))
        parts += [f"![reliability {s}](reliability_{slug(s)}.png)" for s in strategies] + [""]
    else:
        parts += section_verdict(results, means, classifiers, config, dgm_names, labels)
        parts += _section_ranks(means, classifiers)
        parts += _section_wilcoxon(means)
        parts += _section_friedman(means)
        parts += _section_probability(means, classifiers)
    parts += _section_time(results, single=n_datasets == 1, labels=labels)
    parts += _section_fidelity(fidelity)
    parts += _section_errors(results)
    path.write_text("\n".join(parts), encoding="utf-8")
    return lines
