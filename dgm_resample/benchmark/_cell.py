"""One cell of the grid: a strategy on one fold, every classifier, both thresholds."""

from __future__ import annotations

import hashlib
import time
import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ._datasets import _one_line
from ._grid import build_classifier, build_sampler, needs_encoding, takes_class_weight
from ._scoring import (
    METRICS,
    NOT_APPLICABLE,
    PROBABILITY_METRICS,
    calibration_bins,
    full_proba,
    label_scores,
    probability_scores,
)
from ._stats import strategy_name

TIME_COLUMNS = ("resample_time", "fit_time")
#: candidate thresholds of ``TunedThresholdClassifierCV`` (scikit-learn's default
#: is 100; the scorer is called once per candidate and inner fold, and that
#: dominates the cost of tuning a cheap model, see docs/dev/benchmark.md,
#: "Threshold candidates")
THRESHOLD_CANDIDATES = 25


class Fold(NamedTuple):
    """The prepared training and test rows of one cell."""

    X_train: pd.DataFrame
    y_train: np.ndarray
    X_test: pd.DataFrame
    y_test: np.ndarray
    categorical: list
    n_classes: int
    positive: int


def fold_indices(y, n_splits, n_repeats, seed, repeat, fold):
    """Train and test indices of one fold of repeated stratified k-fold."""
    cv = RepeatedStratifiedKFold(n_splits=n_splits, n_repeats=n_repeats, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        splits = list(cv.split(np.zeros(len(y)), y))
    return splits[repeat * n_splits + fold]


def _categorical_in(X, categorical):
    return [c for c in categorical if c in X.columns]


def preprocessor(X, categorical, *, scale=True, one_hot=True):
    """Impute, one-hot encode categoricals and scale numbers (unfitted).

    Parameters
    ----------
    X : DataFrame
        Only its columns are read.
    categorical : list of str
    scale, one_hot : bool
        ``False`` keeps numbers unscaled / categoricals as imputed labels.
    """
    cats = _categorical_in(X, categorical)
    nums = [c for c in X.columns if c not in cats]
    num_steps = [SimpleImputer(strategy="median", keep_empty_features=True)]
    if scale:
        num_steps.append(StandardScaler())
    cat_steps = [SimpleImputer(strategy="most_frequent", keep_empty_features=True)]
    if one_hot:
        cat_steps.append(OneHotEncoder(handle_unknown="ignore", sparse_output=False))
    parts = [("num", make_pipeline(*num_steps), nums), ("cat", make_pipeline(*cat_steps), cats)]
    parts = [p for p in parts if p[2]]
    return ColumnTransformer(parts, verbose_feature_names_out=False).set_output(transform="pandas")


def _prepare(mode, X_train, X_test, categorical):
    """Fit the imputation / encoding an interpolating sampler needs on the training fold."""
    if not mode:
        return X_train, X_test, categorical
    prep = preprocessor(X_train, categorical, scale=False, one_hot=(mode == "onehot"))
    train = prep.fit_transform(X_train)
    test = prep.transform(X_test)
    cats = [] if mode == "onehot" else _categorical_in(train, categorical)
    for col in cats:
        train[col] = train[col].astype(str)
        test[col] = test[col].astype(str)
    return train, test, cats


def rows_key(X, y):
    """A hash of a training set (values, row labels and targets)."""
    h = hashlib.sha256(pd.util.hash_pandas_object(X, index=True).to_numpy().tobytes())
    h.update(np.ascontiguousarray(y).tobytes())
    return h.hexdigest()


class FitStore:
    """The resampled training sets of one cell, shared by all its models.

    Every model of a cell (each classifier, at the default and at the tuned
    threshold) resamples the same training rows, and the tuned models resample
    the same inner training folds; the store fits the sampler once per distinct
    set of rows. Copies of the store are the store itself, so the clones that
    scikit-learn makes of a pipeline share it.

    Attributes
    ----------
    fits : dict
        Rows key -> ``(X_res, y_res, seconds)``.
    spent : float
        Seconds of every fit made so far.
    used : set
        Keys asked for since the last :meth:`watch`.
    resampler : str
        Class name of the sampler fitted (``SMOTE``, ``SMOTENC``, ...; ``""``
        before the first fit).
    """

    def __init__(self):
        self.fits = {}
        self.spent = 0.0
        self.used = set()
        self.resampler = ""

    def __deepcopy__(self, memo):
        return self

    def watch(self):
        """Start recording the keys the next model asks for; return the seconds spent so far."""
        self.used = set()
        return self.spent

    def used_seconds(self):
        """Seconds of the fits the watched model needed (cached or not)."""
        return float(sum(self.fits[key][2] for key in self.used))


class FoldSampler(BaseEstimator):
    """The strategy's sampler built for the rows it is given, resampling through a store.

    Parameters
    ----------
    spec : SamplerSpec
    categorical : tuple of str
    seed : int
    store : FitStore
    """

    #: what ResampledClassifierCV checks (the strategies add rows, never drop them)
    _sampling_type = "over-sampling"

    def __init__(self, spec=None, categorical=(), seed=0, store=None):
        self.spec = spec
        self.categorical = categorical
        self.seed = seed
        self.store = store

    def fit_resample(self, X, y):
        """Resampled ``X, y`` (fitted at the first request for these rows)."""
        key = rows_key(X, y)
        self.store.used.add(key)
        if key not in self.store.fits:
            start = time.perf_counter()
            y = np.asarray(y)
            sampler = build_sampler(self.spec, X, y, list(self.categorical), self.seed)
            self.store.resampler = type(sampler).__name__
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                X_res, y_res = sampler.fit_resample(X, y)
            if not isinstance(X_res, pd.DataFrame):
                X_res = pd.DataFrame(np.asarray(X_res), columns=X.columns)
            seconds = time.perf_counter() - start
            self.store.fits[key] = (X_res, np.asarray(y_res), seconds)
            self.store.spent += seconds
        X_res, y_res, _ = self.store.fits[key]
        return X_res, y_res


def _row(task, classifier, threshold, **values):
    row = {
        "dataset": task.dataset.name,
        "sampler": task.sampler.name,
        "classifier": classifier,
        "threshold": threshold,
        "repeat": task.repeat,
        "fold": task.fold,
        "status": "ok",
    }
    row.update({m: np.nan for m in METRICS})
    row["decision_threshold"] = np.nan
    row.update({t: np.nan for t in TIME_COLUMNS})
    row["n_train"] = np.nan
    row["n_synthetic"] = np.nan
    row["resampler"] = ""
    row["error"] = ""
    row.update(values)
    return row


def _error_rows(task, message, **values):
    return [
        _row(task, c, t, status="failed", error=message, **values)
        for c in task.classifiers
        for t in task.thresholds
    ]


def build_pipeline(task, classifier, cats, columns, store):
    """The imblearn Pipeline ``sampler -> preprocessing -> classifier`` of one model.

    Parameters
    ----------
    task : Task
    classifier : str
    cats : list of str
        Categorical columns of the (prepared) training rows.
    columns : DataFrame
        The training rows (only their columns are read).
    store : FitStore
        Where the sampler's fits are shared.
    """
    from imblearn.pipeline import Pipeline

    seed = task.random_state
    steps = []
    if task.sampler.resamples:
        steps.append(("sampler", FoldSampler(task.sampler, tuple(cats), seed, store)))
    steps.append(("prep", preprocessor(columns, cats)))
    steps.append(("clf", build_classifier(classifier, seed, balanced=task.sampler.balanced)))
    return Pipeline(steps)


def _inner_splits(task, y_train):
    """The inner folds of the training fold (tuned and calibrated variants share them)."""
    inner = StratifiedKFold(task.threshold_cv, shuffle=True, random_state=task.random_state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(inner.split(np.zeros(len(y_train)), y_train))


def _tuned(task, model, X_train, y_train):
    from sklearn.model_selection import TunedThresholdClassifierCV

    return TunedThresholdClassifierCV(
        model,
        scoring=task.threshold_metric,
        cv=_inner_splits(task, y_train),
        thresholds=THRESHOLD_CANDIDATES,
        refit=True,
    )


def _calibrated(task, classifier, cats, X_train, y_train, store):
    """``ResampledClassifierCV`` around the strategy's sampler and the classifier.

    Its folds are the tuned variant's inner folds, so the sampler's fits on
    them (and, with ``ensemble=False``, on the whole training fold) come from
    the cell's store.
    """
    from imblearn.pipeline import Pipeline

    from dgm_resample import ResampledClassifierCV

    seed = task.random_state
    estimator = Pipeline(
        [
            ("prep", preprocessor(X_train, cats)),
            ("clf", build_classifier(classifier, seed, balanced=task.sampler.balanced)),
        ]
    )
    sampler = None
    if task.sampler.resamples:
        sampler = FoldSampler(task.sampler, tuple(cats), seed, store)
    params = {
        "threshold": task.threshold_metric,
        "cv": _inner_splits(task, y_train),
        "random_state": seed,
        **dict(task.calibration_params),
    }
    return ResampledClassifierCV(estimator, sampler=sampler, **params)


def _not_applicable(task, classifier, threshold, n_classes):
    if task.sampler.balanced and not takes_class_weight(classifier):
        return True
    return threshold == "tuned" and n_classes != 2


def _fit_and_score(task, classifier, threshold, fold, store, defaults):
    """One model: fit, score on the test fold; the row's values and calibration bins.

    ``defaults`` holds the probability metrics of the same classifier at the
    default threshold, for the tuned variant: the tuned model's final refit is
    that model, so they are copied rather than computed again (a calibrated
    model has probabilities of its own).
    """
    from threadpoolctl import threadpool_limits

    X_train, y_train, X_test, y_test, cats, n_classes, positive = fold
    if threshold == "calibrated":
        model = _calibrated(task, classifier, cats, X_train, y_train, store)
    else:
        model = build_pipeline(task, classifier, cats, X_train, store)
    if threshold == "tuned":
        model = _tuned(task, model, X_train, y_train)
    # one thread: cells are the unit of parallelism, and OpenMP / BLAS pools
    # spin badly on a busy machine (HistGradientBoosting 10x slower)
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spent = store.watch()
        start = time.perf_counter()
        model.fit(X_train, y_train)
        wall = time.perf_counter() - start
        y_pred = model.predict(X_test)
        if defaults is None:
            proba = full_proba(model, X_test, n_classes)
    values = label_scores(y_test, y_pred, n_classes, positive)
    values["fit_time"] = wall - (store.spent - spent)
    values["resample_time"] = store.used_seconds()
    if threshold == "tuned":
        values["decision_threshold"] = float(model.best_threshold_)
    elif threshold == "calibrated":
        values["decision_threshold"] = float(model.threshold_)
    elif n_classes == 2:
        values["decision_threshold"] = 0.5
    if defaults is not None:
        values.update(defaults)
        return values, None
    values.update(probability_scores(y_test, proba, n_classes, positive))
    bins = calibration_bins(y_test == positive, proba[:, positive])
    return values, bins


def _calibration_record(task, classifier, threshold, bins):
    """Reliability bins of one model; its strategy (``X+calibrated`` for that variant)
    stands in the ``sampler`` field."""
    count, sum_prob, sum_pos = (np.asarray(b).tolist() for b in bins)
    return {
        "dataset": task.dataset.name,
        "sampler": strategy_name(task.sampler.name, threshold),
        "classifier": classifier,
        "repeat": task.repeat,
        "fold": task.fold,
        "count": count,
        "sum_prob": sum_prob,
        "sum_pos": sum_pos,
    }


def _classifier_rows(task, classifier, fold, store, common):
    """The rows of one classifier (one per threshold) and its calibration records
    (one per variant with probabilities of its own)."""
    rows, records, defaults = [], [], None
    for threshold in task.thresholds:
        if _not_applicable(task, classifier, threshold, fold.n_classes):
            rows.append(_row(task, classifier, threshold, status=NOT_APPLICABLE, **common))
            continue
        shared = defaults if threshold == "tuned" else None
        try:
            values, bins = _fit_and_score(task, classifier, threshold, fold, store, shared)
        except Exception as exc:
            message = f"classifier: {_one_line(exc)}"
            rows.append(_row(task, classifier, threshold, status="failed", error=message, **common))
            continue
        rows.append(_row(task, classifier, threshold, **{**common, **values}))
        if bins is not None:
            if threshold == "default":
                defaults = {m: values[m] for m in PROBABILITY_METRICS}
            records.append(_calibration_record(task, classifier, threshold, bins))
    return rows, records


def _fidelity(X_train, y_train, X_test, y_test, X_res, y_res, minority, seed):
    from dgm_resample.metrics import evaluate_synthetic

    synthetic = X_res.iloc[len(X_train) :]
    synthetic = synthetic[y_res[len(X_train) :] == minority]
    if len(synthetic) == 0:
        return None
    return evaluate_synthetic(
        X_train[y_train == minority],
        X_test[y_test == minority],
        synthetic,
        categorical_features="auto",
        random_state=seed,
    )


def _fidelity_record(task, *args):
    record = {
        "dataset": task.dataset.name,
        "sampler": task.sampler.name,
        "repeat": task.repeat,
        "fold": task.fold,
        "error": "",
    }
    try:
        values = _fidelity(*args)
    except Exception as exc:
        record["error"] = _one_line(exc)
        return record
    if values is None:
        return None
    record.update({k: float(v) for k, v in values.items()})
    return record


def run_cell(task):
    """Run one cell.

    The strategy's sampler is fitted on the training fold once; every
    classifier is fitted on its rows (an imblearn Pipeline ``sampler ->
    preprocessing -> classifier``), scored at the default threshold and, when
    the task says so, wrapped in ``TunedThresholdClassifierCV``, whose inner
    folds refit the sampler (once per inner fold, shared by the classifiers)
    and whose final refit reuses the training fold's resampled rows.

    Parameters
    ----------
    task : Task

    Returns
    -------
    dict
        ``key``, ``rows`` (one per classifier and threshold), ``calibration``
        (one record per classifier) and ``fidelity`` (a dict or None).
    """
    dataset = task.dataset
    out = {"key": task.key, "rows": [], "calibration": [], "fidelity": None}
    if dataset.error:
        out["rows"] = _error_rows(task, f"dataset: {dataset.error}")
        return out
    try:
        train, test = fold_indices(
            dataset.y, task.n_splits, task.n_repeats, task.seed, task.repeat, task.fold
        )
    except Exception as exc:
        out["rows"] = _error_rows(task, f"split: {_one_line(exc)}")
        return out
    X_train, X_test = dataset.X.iloc[train], dataset.X.iloc[test]
    y_train, y_test = dataset.y[train], dataset.y[test]
    X_train, X_test = X_train.reset_index(drop=True), X_test.reset_index(drop=True)
    n_classes = len(dataset.classes)
    counts = np.bincount(dataset.y, minlength=n_classes)
    positive = 1 if n_classes == 2 else int(np.argmin(counts))
    store = FitStore()
    start = time.perf_counter()
    try:
        mode = needs_encoding(task.sampler, X_train, dataset.categorical)
        X_train, X_test, cats = _prepare(mode, X_train, X_test, dataset.categorical)
        prep_time = time.perf_counter() - start
        X_res, y_res = X_train, y_train
        if task.sampler.resamples:
            sampler = FoldSampler(task.sampler, tuple(cats), task.random_state, store)
            X_res, y_res = sampler.fit_resample(X_train, y_train)
            # the encoding an interpolating sampler needs counts as resampling time
            key = rows_key(X_train, y_train)
            store.fits[key] = (X_res, y_res, store.fits[key][2] + prep_time)
    except Exception as exc:
        out["rows"] = _error_rows(task, f"sampler: {_one_line(exc)}")
        return out
    common = {
        "n_train": len(y_train),
        "n_synthetic": len(y_res) - len(y_train),
        "resampler": store.resampler,
    }
    fold = Fold(X_train, y_train, X_test, y_test, cats, n_classes, positive)
    for name in task.classifiers:
        rows, records = _classifier_rows(task, name, fold, store, common)
        out["rows"] += rows
        out["calibration"] += records
    if task.fidelity and len(y_res) > len(y_train):
        args = (X_train, y_train, X_test, y_test, X_res, y_res, positive, task.random_state)
        out["fidelity"] = _fidelity_record(task, *args)
    return out
