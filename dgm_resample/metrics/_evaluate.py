"""Every metric in one call: the flat score dictionary of the benchmark."""

from __future__ import annotations

import warnings

import numpy as np
from imblearn.utils import Substitution
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import validate_params

from ._dependence import dependence_distance
from ._fidelity import detection_score, marginal_distance, precision_recall
from ._privacy import closest_record_distances, exact_copy_rate
from ._tables import DOCS, SEED_MAX, param_constraints, subsample, validate_tables

_KEYS = (
    "detection_auc",
    "marginal_distance",
    "dependence_distance",
    "precision",
    "recall",
    "density",
    "coverage",
    "dcr_synthetic",
    "dcr_holdout",
    "dcr_ratio",
    "exact_copy_rate",
)


@validate_params(
    param_constraints("X_train", "X_test", "X_synthetic"), prefer_skip_nested_validation=True
)
@Substitution(**DOCS)
def evaluate_synthetic(
    X_train, X_test, X_synthetic, *, categorical_features="auto", random_state=None, max_rows=5000
):
    """Compute every fidelity and privacy metric in one call.

    Fidelity metrics (detection, marginal, dependence, precision/recall,
    density/coverage) compare ``X_synthetic`` with the held-out real rows
    ``X_test``; the distance to closest record compares ``X_synthetic`` and
    ``X_test`` against ``X_train``. Each table is first subsampled to at most
    ``max_rows`` rows (exact copies are still counted on all rows).

    Refused tables raise as in every metric (mismatched schemas, duplicated
    column names and infinite values a ``ValueError``; datetime, timedelta,
    period, interval and complex columns a ``TypeError``). Otherwise the
    function does not raise: a metric that cannot be computed (empty or tiny
    tables, a single column for the dependence distance, ...) is ``NaN``.

    Parameters
    ----------
    X_train : DataFrame or array-like of shape (n_train, n_features)
        Real rows the generator was trained on.
    X_test : DataFrame or array-like of shape (n_test, n_features)
        Held-out real rows of the same population.
    X_synthetic : DataFrame or array-like of shape (n_synthetic, n_features)
        Generated rows.
    {categorical_features}
    random_state : int, RandomState instance or None, default=None
        Controls the subsampling, the cross-validation folds and the detection
        model.
    max_rows : int or None, default=5000
        Maximum number of rows used from each table.

    Returns
    -------
    scores : dict of str to float
        Keys ``"detection_auc"``, ``"marginal_distance"``,
        ``"dependence_distance"``, ``"precision"``, ``"recall"``, ``"density"``,
        ``"coverage"``, ``"dcr_synthetic"``, ``"dcr_holdout"``, ``"dcr_ratio"``
        and ``"exact_copy_rate"``.
    """
    (train, test, synth), categorical = validate_tables(
        [X_train, X_test, X_synthetic],
        ["X_train", "X_test", "X_synthetic"],
        categorical_features,
        allow_empty=True,
    )
    scores = dict.fromkeys(_KEYS, float("nan"))
    if synth.shape[0] and train.shape[0]:
        scores["exact_copy_rate"] = exact_copy_rate(train, synth, categorical)
    rng = check_random_state(random_state)
    train, test, synth = (subsample(t, max_rows, rng) for t in (train, test, synth))
    if not (test.shape[0] and synth.shape[0]):
        return scores
    detection_seed = rng.randint(SEED_MAX)
    shared = {"categorical_features": categorical}

    def precision_recall_scores():
        result = precision_recall(test, synth, max_rows=None, **shared)
        return {
            name: getattr(result, name) for name in ("precision", "recall", "density", "coverage")
        }

    metrics = {
        "detection_auc": lambda: {
            "detection_auc": detection_score(
                test, synth, max_rows=None, random_state=detection_seed, **shared
            )
        },
        "marginal_distance": lambda: {
            "marginal_distance": marginal_distance(test, synth, **shared).mean
        },
        "dependence_distance": lambda: {
            "dependence_distance": dependence_distance(test, synth, **shared).mean
        },
        "precision_recall": precision_recall_scores,
    }
    if train.shape[0]:
        metrics["distance_to_closest_record"] = lambda: dict(
            zip(
                ("dcr_synthetic", "dcr_holdout", "dcr_ratio"),
                closest_record_distances(train, synth, test, categorical),
            )
        )
    for name, compute in metrics.items():
        values = _guarded(name, compute)
        if values is not None:
            scores.update(values)
    return {key: float(scores[key]) for key in _KEYS}


def _guarded(name, compute):
    """``compute()``, or ``None`` with a warning when the metric cannot be computed."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return compute()
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
        # stack: _guarded, evaluate_synthetic, validate_params' wrapper, the caller
        warnings.warn(f"evaluate_synthetic: {name} set to NaN ({exc}).", stacklevel=4)
        return None
