"""Metrics of one test fold: label metrics, ranking metrics and probability quality."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    log_loss,
    roc_auc_score,
)

#: metrics of the predicted labels: they depend on the decision threshold
LABEL_METRICS = ("f1", "gmean", "balanced_accuracy")
#: metrics of the predicted probabilities: the same at every threshold
PROBABILITY_METRICS = ("average_precision", "roc_auc", "brier", "log_loss", "ece")
METRICS = LABEL_METRICS + PROBABILITY_METRICS
#: metrics where a smaller value is better
LOWER_IS_BETTER = ("brier", "log_loss", "ece")
#: ``status`` of a row that is not applicable (``class_weight`` with a classifier
#: that takes no class weights, a tuned threshold on a multi-class table); the
#: other statuses are ``ok`` and ``failed`` (see ``error``); the report shows ``n/a``
NOT_APPLICABLE = "not_applicable"
#: equal-width bins of the expected calibration error and the reliability diagram
N_BINS = 10


def full_proba(model, X, n_classes):
    """``predict_proba`` with one column per label 0..K-1.

    A class missing from the training fold gets probability 0.
    """
    proba = np.asarray(model.predict_proba(X), dtype=np.float64)
    out = np.zeros((proba.shape[0], n_classes))
    out[:, np.asarray(model.classes_, dtype=int)] = proba
    return out


def label_scores(y_true, y_pred, n_classes, positive):
    """F1, G-mean and balanced accuracy (binary: ``positive`` class; else macro)."""
    from imblearn.metrics import geometric_mean_score

    if n_classes == 2:
        return {
            "f1": f1_score(y_true, y_pred, pos_label=positive, zero_division=0),
            "gmean": geometric_mean_score(y_true, y_pred, average="binary", pos_label=positive),
            "balanced_accuracy": balanced_accuracy_score(y_true, y_pred),
        }
    return {
        "f1": f1_score(y_true, y_pred, average="macro", zero_division=0),
        "gmean": geometric_mean_score(y_true, y_pred, average="macro"),
        "balanced_accuracy": balanced_accuracy_score(y_true, y_pred),
    }


def calibration_bins(y_pos, prob, n_bins=N_BINS):
    """Rows, summed probability and positives in equal-width bins of ``prob``.

    Bin ``b`` holds ``b / n_bins <= prob < (b + 1) / n_bins``; the last bin
    also holds ``prob == 1``.

    Returns
    -------
    count, sum_prob, sum_pos : ndarray of shape (n_bins,)
    """
    prob = np.asarray(prob, dtype=np.float64)
    index = np.clip((prob * n_bins).astype(int), 0, n_bins - 1)
    count = np.bincount(index, minlength=n_bins).astype(np.float64)
    sum_prob = np.bincount(index, weights=prob, minlength=n_bins)
    sum_pos = np.bincount(index, weights=np.asarray(y_pos, dtype=np.float64), minlength=n_bins)
    return count, sum_prob, sum_pos


def expected_calibration_error(y_pos, prob, n_bins=N_BINS):
    """Sum over bins of (rows in bin / rows) * |mean probability - share of positives|."""
    count, sum_prob, sum_pos = calibration_bins(y_pos, prob, n_bins)
    full = count > 0
    gap = np.abs(sum_prob[full] - sum_pos[full]) / count[full]
    return float(np.sum(count[full] / count.sum() * gap))


def _one_vs_rest(y_true, proba, score):
    values = []
    for k in range(proba.shape[1]):
        y_k = (y_true == k).astype(int)
        if 0 < y_k.sum() < len(y_k):
            values.append(score(y_k, proba[:, k]))
    return float(np.mean(values)) if values else np.nan


def probability_scores(y_true, proba, n_classes, positive):
    """Average precision, ROC-AUC, Brier score, log loss and ECE.

    Binary: of the ``positive`` class. Multi-class: average precision and
    ROC-AUC are macro means over the classes present in ``y_true`` (one vs
    rest); Brier score and ECE are one vs rest for the ``positive`` (minority)
    class; the log loss is the multi-class cross-entropy over every label.

    Parameters
    ----------
    y_true : ndarray of int
    proba : ndarray of shape (n, n_classes)
        From :func:`full_proba`.
    n_classes : int
    positive : int
    """
    y_pos = (y_true == positive).astype(int)
    prob = proba[:, positive]
    if n_classes == 2:
        ap = average_precision_score(y_pos, prob) if y_pos.any() else np.nan
        auc = roc_auc_score(y_pos, prob) if 0 < y_pos.sum() < len(y_pos) else np.nan
    else:
        ap = _one_vs_rest(y_true, proba, average_precision_score)
        auc = _one_vs_rest(y_true, proba, roc_auc_score)
    return {
        "average_precision": ap,
        "roc_auc": auc,
        "brier": float(np.mean((prob - y_pos) ** 2)),
        "log_loss": log_loss(y_true, proba, labels=np.arange(n_classes)),
        "ece": expected_calibration_error(y_pos, prob),
    }
