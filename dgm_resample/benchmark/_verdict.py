"""The report's first section: per classifier, which strategy wins, and at what cost."""

from __future__ import annotations

import numpy as np

from ._scoring import METRICS, PROBABILITY_METRICS
from ._stats import (
    CALIBRATED,
    TUNED,
    VARIANTS,
    base_sampler,
    mean_rank_table,
    metric_table,
    paired,
    split_strategy,
    time_table,
)

#: a difference is called significant below this Wilcoxon p-value
ALPHA = 0.05
#: the cheap baselines the best dgm strategy is held against, in order of preference
BASELINES = (("none+tuned", "none"), ("class_weight",), ("class_weight+tuned",))


def _column(table, strategy):
    """The column of ``strategy`` in a metric table (probability metrics have no ``+tuned``)."""
    if strategy in table.columns:
        return strategy
    plain = strategy.removesuffix(TUNED)
    return plain if plain in table.columns else None


def _fmt(value, spec=".3f"):
    return "" if value is None or not np.isfinite(value) else format(value, spec)


def _comparison(tables, a, b, metric):
    """``paired`` of ``a`` against ``b`` on ``metric`` (None when either is missing)."""
    table = tables[metric]
    ca, cb = _column(table, a), _column(table, b)
    if ca is None or cb is None or ca == cb:
        return None
    return paired(table, ca, cb, metric)


def _cell(result):
    if result is None:
        return "n/a"
    return f"{result['win']}/{result['tie']}/{result['loss']} (p={_fmt(result['p_value'], '.3g')})"


def _sentence(a, b, metric, result):
    w, t, loss, p = result["win"], result["tie"], result["loss"], result["p_value"]
    if np.isfinite(p) and p < ALPHA and w > loss:
        verb = "beats"
    elif np.isfinite(p) and p < ALPHA and loss > w:
        verb = "loses to"
    else:
        verb = "does not differ significantly from"
    counts = f"{_count(w, 'win')}, {_count(t, 'tie')}, {_count(loss, 'loss')}"
    return (
        f"`{a}` {verb} `{b}` on {metric}: {counts} over "
        f"{_count(w + t + loss, 'dataset')} (Wilcoxon p = {_fmt(p, '.3g')})."
    )


def _count(n, word):
    plural = word + ("es" if word.endswith("s") else "s")
    return f"{n} {word if n == 1 else plural}"


def _label(strategy, labels):
    """``strategy`` under the name of what ran (see ``_report.resampler_labels``)."""
    plain, threshold = split_strategy(strategy)
    return labels.get(plain, plain) + VARIANTS[threshold]


def _best_lines(ranks, values, labels):
    lines = []
    for metric in METRICS:
        order = ranks[metric].dropna().sort_values()
        if order.empty:
            continue
        best = order.index[0]
        value = values[metric].get(best, np.nan)
        lines.append(
            f"{metric}: `{_label(best, labels)}` (mean {_fmt(value, '.4f')}, mean rank "
            f"{_fmt(order.iloc[0], '.2f')})"
        )
    return "Best strategy per metric: " + "; ".join(lines) + "."


def _cost_line(times, names):
    parts = []
    for name in names:
        if name in times.index:
            row = times.loc[name]
            parts.append(
                f"`{name}` {_fmt(row['resample_time'], '.2f')} s resampling + "
                f"{_fmt(row['fit_time'], '.2f')} s fitting"
            )
    return "Cost per fold: " + "; ".join(parts) + "." if parts else ""


def _classifier_verdict(results, means, classifier, key_metric, dgm_names, labels):
    sub = means[means["classifier"] == classifier]
    ranks = mean_rank_table(sub)
    tables = {m: metric_table(sub, m) for m in METRICS}
    values = {m: tables[m].mean() for m in METRICS}
    parts = [f"### {classifier}", "", _best_lines(ranks, values, labels), ""]
    dgm = [s for s in ranks.index if base_sampler(s) in dgm_names]
    baselines = []
    for options in BASELINES:
        found = [o for o in options if o in ranks.index]
        if found:
            baselines.append(found[0])
    if not dgm:
        parts += ["No `dgm_resample` sampler in this run.", ""]
        return parts
    best = ranks.loc[dgm, key_metric].sort_values().index[0]
    parts += [
        f"Best `dgm_resample` strategy (by mean rank on {key_metric}): `{best}`.",
        "",
    ]
    if "class_weight" not in ranks.index and "class_weight" in set(means["sampler"]):
        parts += [f"`class_weight` is n/a for {classifier} (no class weights).", ""]
    sentences = []
    for base in baselines:
        for metric in dict.fromkeys([key_metric, "brier"]):
            result = _comparison(tables, best, base, metric)
            if result is not None:
                sentences.append("- " + _sentence(best, base, metric, result))
    parts += sentences + [""] if sentences else []
    if baselines:
        header = "| metric | " + " | ".join(f"`{best}` vs `{b}`" for b in baselines) + " |"
        lines = [header, "|" + " --- |" * (len(baselines) + 1)]
        for metric in METRICS:
            cells = [_cell(_comparison(tables, best, b, metric)) for b in baselines]
            lines.append(f"| {metric} | " + " | ".join(cells) + " |")
        parts += ["Win / tie / loss over datasets (Wilcoxon p):", "", *lines, ""]
    parts += _calibrated_lines(ranks, tables, values, key_metric, dgm_names, labels)
    times = time_table(results[results["classifier"] == classifier])
    cost = _cost_line(times, [best, *baselines])
    parts += [cost, ""] if cost else []
    return parts


#: what a calibrated strategy is compared with, in order
CALIBRATED_BASELINES = ("none" + CALIBRATED, "class_weight" + CALIBRATED, "none")
#: the metrics of the calibrated comparison (with the threshold metric)
CALIBRATED_METRICS = ("brier", "log_loss", "average_precision")


def _calibrated_lines(ranks, tables, values, key_metric, dgm_names, labels):
    """Which calibrated strategy gives the best probabilities and the best threshold
    metric, and the best calibrated ``dgm_resample`` one against the calibrated baselines."""
    calibrated = [s for s in ranks.index if s.endswith(CALIBRATED)]
    if not calibrated:
        return []
    found = []
    for metric in dict.fromkeys(["brier", "log_loss", key_metric]):
        order = ranks.loc[calibrated, metric].dropna().sort_values()
        if len(order):
            best = order.index[0]
            found.append(
                f"best {metric} `{_label(best, labels)}` (mean {_fmt(values[metric].get(best))})"
            )
    parts = [
        "Calibrated strategies (`+calibrated`: `ResampledClassifierCV`, probabilities "
        "calibrated on out-of-fold rows, threshold chosen on them): " + "; ".join(found) + ".",
        "",
    ]
    dgm = [s for s in calibrated if base_sampler(s) in dgm_names]
    if not dgm:
        return parts
    best = ranks.loc[dgm, key_metric].sort_values().index[0]
    for base in CALIBRATED_BASELINES:
        if base not in ranks.index:
            continue
        for metric in dict.fromkeys([*CALIBRATED_METRICS[:2], key_metric, CALIBRATED_METRICS[2]]):
            result = _comparison(tables, best, base, metric)
            if result is not None:
                parts.append("- " + _sentence(best, base, metric, result))
    return parts + [""]


def section_verdict(results, means, classifiers, config, dgm_names, labels=None):
    """The verdict section of ``report.md`` (a list of Markdown lines).

    Per classifier: the strategy with the best mean rank on every metric (its
    mean value too); the ``dgm_resample`` strategy with the best mean rank on
    the threshold metric (F1 when that is not one of the report's metrics)
    held against no resampling at a tuned threshold (``none`` when no
    threshold was tuned) and against ``class_weight``: win / tie / loss over
    datasets and the Wilcoxon signed-rank p-value; and the seconds per fold
    each of them costs. ``labels`` names strategies after what ran
    (``SMOTE`` as ``SMOTE (SMOTENC on mixed tables)``).
    """
    key_metric = config.threshold_metric if config.threshold_metric in METRICS else "f1"
    parts = [
        "## Verdict",
        "",
        "Does a deep generative sampler beat simply tuning the decision threshold or "
        "weighting the classes? Per classifier, over datasets (fold means); a difference "
        f"is called significant when the Wilcoxon signed-rank p-value is below {ALPHA}. "
        f"Probability metrics ({', '.join(PROBABILITY_METRICS)}) do not depend on the "
        "threshold, so `X+tuned` is compared there as `X`.",
        "",
    ]
    for classifier in classifiers:
        parts += _classifier_verdict(
            results, means, classifier, key_metric, set(dgm_names), labels or {}
        )
    return parts
