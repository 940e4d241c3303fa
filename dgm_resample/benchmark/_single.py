"""The report of a one-dataset run: values with intervals, paired differences, a verdict.

With one dataset the rank statistics of the multi-dataset report (Friedman
test, critical differences, win / tie / loss over datasets) have one block
and say nothing. Here every number is a mean over the folds with a 95 %
corrected resampled t interval (:func:`._stats.corrected_interval`), and
every strategy is compared with the baselines fold by fold.
"""

from __future__ import annotations

import numpy as np

from ._scoring import LOWER_IS_BETTER, METRICS
from ._stats import (
    CONFIDENCE,
    VARIANTS,
    base_sampler,
    corrected_interval,
    fold_values,
    split_strategy,
    strategy_name,
)

#: the baselines, in the order the report lists them (those the run has)
BASELINES = (
    "none+tuned",
    "none",
    "class_weight",
    "class_weight+tuned",
    "none+calibrated",
    "class_weight+calibrated",
)
#: the metrics' names in sentences
METRIC_NAMES = {
    "f1": "F1",
    "gmean": "G-mean",
    "balanced_accuracy": "balanced accuracy",
    "average_precision": "average precision",
    "roc_auc": "ROC-AUC",
    "brier": "Brier score",
    "log_loss": "log loss",
    "ece": "ECE",
}
_PLAIN = {"none": "no resampling", "class_weight": "class weights"}
_IN_WORDS = {
    "default": "",
    "tuned": " + tuned threshold",
    "calibrated": " + calibration and threshold (ResampledClassifierCV)",
}
#: the metrics whose values are not in [0, 1]
_RANGE = {"log_loss": (0.0, np.inf)}


def display_name(strategy, labels):
    """A strategy under the name of what ran (``SMOTE`` as ``SMOTENC`` on a mixed table)."""
    plain, threshold = split_strategy(strategy)
    return labels.get(plain, plain) + VARIANTS[threshold]


def describe(strategy, labels):
    """A strategy in words: ``no resampling + tuned threshold``, ``class weights``, ..."""
    plain, threshold = split_strategy(strategy)
    return _PLAIN.get(plain, labels.get(plain, plain)) + _IN_WORDS[threshold]


def _interval(mean, low, high, spec=".3f"):
    if not np.isfinite(mean):
        return "n/a"
    if not np.isfinite(low):
        return format(mean, spec)
    return f"{mean:{spec}} [{low:{spec}}, {high:{spec}}]"


def _value(values, metric, n_splits):
    """Mean and interval of one strategy's fold values, clipped to the metric's range."""
    mean, low, high = corrected_interval(values, n_splits)
    least, most = _RANGE.get(metric, (0.0, 1.0))
    return mean, max(low, least), min(high, most)


def _reading(metric, mean, low, high):
    """How a difference reads: (``"higher"`` / ``"lower"`` / ``None``, ``"better"`` / ``"worse"``)."""
    if not (np.isfinite(low) and (low > 0 or high < 0)):
        return None, None
    higher = mean > 0
    better = higher != (metric in LOWER_IS_BETTER)
    return ("higher" if higher else "lower"), ("better" if better else "worse")


def _scores(results, classifier):
    return {m: fold_values(results, classifier, m) for m in METRICS if m in results}


def _order(tables, key_metric):
    """Strategies, best first on ``key_metric`` (the lowest first for a lower-is-better one)."""
    means = tables[key_metric].mean()
    return list(means.sort_values(ascending=key_metric in LOWER_IS_BETTER).index)


def _difference(tables, metric, a, b, n_splits):
    """Mean and interval of the paired differences ``a - b``, clipped to what can be."""
    table = tables[metric]
    if a not in table or b not in table:
        return np.nan, np.nan, np.nan
    mean, low, high = corrected_interval((table[a] - table[b]).to_numpy(), n_splits)
    least, most = _RANGE.get(metric, (0.0, 1.0))
    return mean, max(low, least - most), min(high, most - least)


def verdict_lines(results, classifier, key_metric, n_splits, held, labels):
    """Plain-language lines: ``held`` against every baseline on the key metric and the Brier score."""
    tables = _scores(results, classifier)
    baselines = [b for b in BASELINES if b in tables[key_metric] and b != held]
    lines = []
    for base in baselines:
        for metric in dict.fromkeys([key_metric, "brier"]):
            if metric not in tables:
                continue
            table = tables[metric]
            own = _value(table[held].to_numpy(), metric, n_splits)
            other = _value(table[base].to_numpy(), metric, n_splits)
            diff = _difference(tables, metric, held, base, n_splits)
            side, quality = _reading(metric, *diff)
            if not np.isfinite(diff[1]):
                reading = "no interval (fewer than two folds scored)"
            elif side is None:
                reading = "no clear difference: the difference"
            else:
                reading = f"{side} ({quality}): the difference"
            verb = "includes 0" if side is None else "excludes 0"
            tail = "." if not np.isfinite(diff[1]) else f" {_interval(*diff, '+.3f')} {verb}."
            lines.append(
                f"{describe(held, labels)}: {METRIC_NAMES.get(metric, metric)} {_interval(*own)}; "
                f"{describe(base, labels)}: {_interval(*other)} — {reading}{tail}"
            )
    return lines


def held_strategy(results, classifier, key_metric, dgm_names):
    """The strategy the verdict holds against the baselines.

    The ``dgm_resample`` strategy with the best mean on ``key_metric``; the
    best other resampling strategy when the run has no ``dgm_resample``
    sampler; ``None`` when every strategy is a baseline.
    """
    tables = _scores(results, classifier)
    order = [s for s in _order(tables, key_metric) if s not in BASELINES]
    dgm = [s for s in order if base_sampler(s) in dgm_names]
    return (dgm or order or [None])[0]


def section_verdict(results, config, classifiers, key_metric, dgm_names, labels):
    """The verdict of a one-dataset report; also returns its lines (for the console)."""
    n_folds = config.n_repeats * config.n_splits
    parts = [
        "## Verdict",
        "",
        "Does resampling help on this table? Every value is the mean over the "
        f"{config.n_repeats} x {config.n_splits} test folds with a {CONFIDENCE:.0%} "
        "corrected resampled t interval in brackets (t quantile with n - 1 degrees of "
        "freedom, the fold variance s^2 inflated to s^2 (1/n + 1/(k - 1)) because the "
        f"training folds overlap; n = {n_folds} folds, k = {config.n_splits}). A "
        "difference is paired fold by fold (the same split for every strategy); it is "
        "called higher or lower only when its interval excludes 0, and better or worse "
        "in the metric's direction (lower is better for brier, log_loss and ece). With "
        "one dataset there are no rank tests: they need several datasets. "
        "More repeats (`--repeats`) narrow the intervals.",
        "",
    ]
    every = []
    for classifier in classifiers:
        held = held_strategy(results, classifier, key_metric, dgm_names)
        parts += [f"### {classifier}", ""]
        if held is None:
            parts += ["Only baselines ran: nothing to compare.", ""]
            continue
        lines = verdict_lines(results, classifier, key_metric, config.n_splits, held, labels)
        if not lines:
            parts += ["No baseline (`none`, `class_weight`) ran: nothing to compare.", ""]
            continue
        parts += [f"- {line}" for line in lines] + [""]
        every += [f"{classifier}: {line}" for line in lines]
    return parts, every


def _rows(tables, strategies, cell):
    """``(strategy, cells)`` of a table: ``cell(metric, strategy)`` for every metric."""
    return [(s, [cell(metric, s) for metric in tables]) for s in strategies]


def _markdown(header, rows, labels):
    lines = ["| strategy | " + " | ".join(header) + " |", "|" + " --- |" * (len(header) + 1)]
    for strategy, cells in rows:
        lines.append(f"| {display_name(strategy, labels)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def section_scores(results, config, classifiers, key_metric, labels):
    """Per classifier: every strategy's mean and interval on every metric."""
    parts = [
        "## Scores per strategy",
        "",
        f"Mean over the test folds [{CONFIDENCE:.0%} interval, clipped to the metric's "
        f"range], best first on {key_metric}. "
        "Probability metrics (average_precision to ece) do not depend on the threshold: "
        "a `+tuned` row repeats its sampler's (a `+calibrated` row has its own, calibrated, "
        "probabilities). `failed`: no fold was scored (see Errors); "
        "`n/a`: the strategy does not apply to the classifier.",
        "",
    ]
    strategies = dict.fromkeys(
        strategy_name(s, t) for s, t in results[["sampler", "threshold"]].values
    )
    for classifier in classifiers:
        tables = _scores(results, classifier)

        def cell(metric, strategy, tables=tables):
            if strategy not in tables[metric]:
                return "n/a"
            values = tables[metric][strategy].to_numpy()
            if np.isnan(values).all():
                return "failed"
            return _interval(*_value(values, metric, config.n_splits))

        order = _order(tables, key_metric)
        rows = _rows(tables, order + [s for s in strategies if s not in order], cell)
        parts += [f"### {classifier}", "", _markdown(list(tables), rows, labels), ""]
    return parts


def section_differences(results, config, classifiers, key_metric, labels):
    """Per classifier and baseline: every strategy's paired difference on every metric."""
    parts = [
        "## Differences against the baselines",
        "",
        "Strategy minus baseline, mean over the folds of the paired differences "
        f"[{CONFIDENCE:.0%} interval]; `better` / `worse` where the interval excludes 0 "
        "(in the metric's direction), nothing where it includes 0.",
        "",
    ]
    for classifier in classifiers:
        tables = _scores(results, classifier)
        order = _order(tables, key_metric)
        for base in [b for b in BASELINES if b in tables[key_metric]]:

            def cell(metric, strategy, base=base, tables=tables):
                diff = _difference(tables, metric, strategy, base, config.n_splits)
                _, quality = _reading(metric, *diff)
                text = _interval(*diff, "+.3f")
                return f"{text} {quality}" if quality else text

            rows = _rows(tables, [s for s in order if s != base], cell)
            title = f"### {classifier}: against {display_name(base, labels)}"
            parts += [title, "", _markdown(list(tables), rows, labels), ""]
    return parts
