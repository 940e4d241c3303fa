"""One cell of the grid: resample a training fold once, then fit every classifier."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.metrics import (
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    roc_auc_score,
)
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler, label_binarize

from ._datasets import _one_line
from ._grid import build_classifier, build_sampler, cell_seed, needs_encoding

METRICS = ("f1", "gmean", "balanced_accuracy", "average_precision", "roc_auc")
TIME_COLUMNS = ("resample_time", "fit_time")


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


def _scores(clf, X):
    if hasattr(clf, "predict_proba"):
        return clf.predict_proba(X)
    return clf.decision_function(X)


def score(y_true, y_pred, scores, n_classes, minority):
    """Every metric of :data:`METRICS` (binary: minority class positive; else macro)."""
    from imblearn.metrics import geometric_mean_score

    if n_classes == 2:
        if scores.ndim == 2:
            positive = scores[:, minority]
        else:
            positive = scores if minority == 1 else -scores
        y_pos = (y_true == minority).astype(int)
        return {
            "f1": f1_score(y_true, y_pred, pos_label=minority, zero_division=0),
            "gmean": geometric_mean_score(y_true, y_pred, average="binary", pos_label=minority),
            "balanced_accuracy": balanced_accuracy_score(y_true, y_pred),
            "average_precision": average_precision_score(y_pos, positive),
            "roc_auc": roc_auc_score(y_pos, positive),
        }
    labels = np.arange(n_classes)
    onehot = label_binarize(y_true, classes=labels)
    return {
        "f1": f1_score(y_true, y_pred, average="macro", zero_division=0),
        "gmean": geometric_mean_score(y_true, y_pred, average="macro"),
        "balanced_accuracy": balanced_accuracy_score(y_true, y_pred),
        "average_precision": average_precision_score(onehot, scores, average="macro"),
        "roc_auc": roc_auc_score(y_true, scores, multi_class="ovr", labels=labels),
    }


def _row(task, classifier, **values):
    row = {
        "dataset": task["dataset"].name,
        "sampler": task["sampler"]["name"],
        "classifier": classifier,
        "repeat": task["repeat"],
        "fold": task["fold"],
    }
    row.update({m: np.nan for m in METRICS})
    row.update({t: np.nan for t in TIME_COLUMNS})
    row["n_train"] = np.nan
    row["n_synthetic"] = np.nan
    row["error"] = ""
    row.update(values)
    return row


def _error_rows(task, message, **values):
    return [_row(task, c, error=message, **values) for c in task["classifiers"]]


def _resample(task, X_train, y_train, categorical, seed):
    sampler = build_sampler(task["sampler"], y_train, categorical, seed)
    if sampler is None:
        return X_train, y_train
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X_res, y_res = sampler.fit_resample(X_train, y_train)
    if not isinstance(X_res, pd.DataFrame):
        X_res = pd.DataFrame(np.asarray(X_res), columns=X_train.columns)
    return X_res, np.asarray(y_res)


def _fit_classifier(name, seed, prep, X_res, y_res, X_test, y_test, n_classes, minority):
    from threadpoolctl import threadpool_limits

    model = make_pipeline(clone(prep), build_classifier(name, seed))
    # one thread: cells are the unit of parallelism, and OpenMP / BLAS pools
    # spin badly on a busy machine (HistGradientBoosting 10x slower)
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        model.fit(X_res, y_res)
        fit_time = time.perf_counter() - start
        y_pred = model.predict(X_test)
        scores = _scores(model, X_test)
    return score(y_test, y_pred, scores, n_classes, minority), fit_time


def _fidelity(task, X_train, y_train, X_test, y_test, X_res, y_res, minority, seed):
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
        "dataset": task["dataset"].name,
        "sampler": task["sampler"]["name"],
        "repeat": task["repeat"],
        "fold": task["fold"],
        "error": "",
    }
    try:
        values = _fidelity(task, *args)
    except Exception as exc:
        record["error"] = _one_line(exc)
        return record
    if values is None:
        return None
    record.update({k: float(v) for k, v in values.items()})
    return record


def run_cell(task):
    """Run one cell.

    Parameters
    ----------
    task : dict
        Keys ``dataset`` (:class:`Dataset`), ``sampler`` (spec dict), ``repeat``,
        ``fold``, ``n_splits``, ``n_repeats``, ``seed``, ``classifiers``,
        ``fidelity``, ``key``.

    Returns
    -------
    dict
        ``key``, ``rows`` (one per classifier) and ``fidelity`` (a dict or None).
    """
    dataset = task["dataset"]
    out = {"key": task["key"], "rows": [], "fidelity": None}
    if dataset.error:
        out["rows"] = _error_rows(task, f"dataset: {dataset.error}")
        return out
    seed = cell_seed(task["seed"], task["repeat"], task["fold"])
    try:
        train, test = fold_indices(
            dataset.y,
            task["n_splits"],
            task["n_repeats"],
            task["seed"],
            task["repeat"],
            task["fold"],
        )
    except Exception as exc:
        out["rows"] = _error_rows(task, f"split: {_one_line(exc)}")
        return out
    X_train, X_test = dataset.X.iloc[train], dataset.X.iloc[test]
    y_train, y_test = dataset.y[train], dataset.y[test]
    X_train, X_test = X_train.reset_index(drop=True), X_test.reset_index(drop=True)
    n_classes = len(dataset.classes)
    minority = int(np.argmin(np.bincount(dataset.y, minlength=n_classes)))
    start = time.perf_counter()
    try:
        mode = needs_encoding(task["sampler"], X_train, dataset.categorical)
        X_train, X_test, cats = _prepare(mode, X_train, X_test, dataset.categorical)
        X_res, y_res = _resample(task, X_train, y_train, cats, seed)
    except Exception as exc:
        out["rows"] = _error_rows(task, f"sampler: {_one_line(exc)}")
        return out
    resample_time = time.perf_counter() - start
    common = {
        "resample_time": resample_time,
        "n_train": len(y_train),
        "n_synthetic": len(y_res) - len(y_train),
    }
    prep = preprocessor(X_res, cats)
    for name in task["classifiers"]:
        try:
            values, fit_time = _fit_classifier(
                name, seed, prep, X_res, y_res, X_test, y_test, n_classes, minority
            )
            out["rows"].append(_row(task, name, fit_time=fit_time, **values, **common))
        except Exception as exc:
            out["rows"].append(_row(task, name, error=f"classifier: {_one_line(exc)}", **common))
    if task["fidelity"] and task["sampler"]["name"] != "none":
        out["fidelity"] = _fidelity_record(
            task, X_train, y_train, X_test, y_test, X_res, y_res, minority, seed
        )
    return out
