"""Fit once, draw many: score generation-only settings of one sampler on the benchmark's folds.

Settings that only shape generation (``sampling_temperature``,
``guidance_scale``, ``eta``, ``n_sampling_steps``, the neighbour filter) need no
refit: the sampler is fitted once per fold and the new rows are drawn with
``sample()`` under each setting. ``none`` and ``SMOTE`` are scored on the same
folds, so every setting can be ranked against them.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ._cell import fold_indices, preprocessor
from ._config import resolve_config
from ._datasets import dataset_specs, load_spec
from ._grid import SamplerSpec, build_classifier, build_sampler
from ._scoring import full_proba, label_scores, probability_scores
from ._tasks import cell_seed


def setting_name(sampler, setting):
    """``sampler`` followed by ``_key=value`` for each item of ``setting``."""
    return sampler + "".join(f"_{k}={v}" for k, v in setting.items())


def with_samples(sampler, X, y, random_state):
    """Training rows plus ``sampling_strategy_`` new rows per class drawn with ``sample``."""
    parts_X, parts_y = [X], [y]
    for label, n_new in sampler.sampling_strategy_.items():
        if n_new > 0:
            rows = sampler.sample(n_new, label, random_state=random_state)
            if not isinstance(rows, pd.DataFrame):
                rows = pd.DataFrame(np.asarray(rows), columns=X.columns)
            parts_X.append(rows)
            parts_y.append(np.full(n_new, label, dtype=y.dtype))
    return pd.concat(parts_X, ignore_index=True), np.concatenate(parts_y)


def _scores(X_res, y_res, X_test, y_test, categorical, classifier, seed, n_classes):
    model = preprocessor(X_res, categorical)
    model = model.fit(X_res, y_res)
    clf = build_classifier(classifier, seed).fit(model.transform(X_res), y_res)
    X_t = model.transform(X_test)
    values = label_scores(y_test, clf.predict(X_t), n_classes, 1)
    values.update(probability_scores(y_test, full_proba(clf, X_t, n_classes), n_classes, 1))
    return values


def run_draws(config, sampler, settings, params=None):
    """Score each setting of ``sampler`` (fitted once per fold) against none and SMOTE.

    Parameters
    ----------
    config : BenchmarkConfig, dict, str or Path
        Datasets, folds, classifiers and seeds (binary datasets only).
    sampler : str
        A ``dgm_resample`` sampler class name.
    settings : list of dict
        Parameters set with ``set_params`` before each draw.
    params : dict, optional
        Fit parameters of the sampler.

    Returns
    -------
    DataFrame
        One row per dataset x strategy x classifier x repeat x fold, with the
        columns of ``results.csv`` that :mod:`._stats` reads; the strategies
        are ``none``, ``SMOTE`` and :func:`setting_name` of each setting.
    """
    config = resolve_config(config)
    dgm = SamplerSpec(sampler, "dgm", sampler, dict(params or {}))
    rows = []
    for spec in dataset_specs(config):
        data = load_spec(spec, config)
        for repeat in range(config.n_repeats):
            for fold in range(config.n_splits):
                rows += _fold_rows(config, data, repeat, fold, dgm, settings)
    return pd.DataFrame(rows)


def _fold_rows(config, data, repeat, fold, dgm, settings):
    seed = config.fit_seed
    seed = cell_seed(config.seed, repeat, fold) if seed is None else seed
    train, test = fold_indices(data.y, config.n_splits, config.n_repeats, config.seed, repeat, fold)
    X_tr, y_tr = data.X.iloc[train].reset_index(drop=True), data.y[train]
    X_te, y_te = data.X.iloc[test].reset_index(drop=True), data.y[test]
    cats = data.categorical
    smote = SamplerSpec("SMOTE", "builtin", "SMOTE")
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        candidates = {
            "none": (X_tr, y_tr),
            "SMOTE": build_sampler(smote, X_tr, y_tr, cats, seed).fit_resample(X_tr, y_tr),
        }
        fitted = build_sampler(dgm, X_tr, y_tr, cats, seed)
        fitted.fit_resample(X_tr, y_tr)
        for setting in settings:
            fitted.set_params(**setting)
            name = setting_name(dgm.name, setting)
            candidates[name] = with_samples(fitted, X_tr, y_tr, random_state=fold)
        for name, (X_res, y_res) in candidates.items():
            for clf in config.classifiers:
                values = _scores(X_res, np.asarray(y_res), X_te, y_te, cats, clf, seed, 2)
                rows.append(
                    {
                        "dataset": data.name,
                        "sampler": name,
                        "classifier": clf,
                        "threshold": "default",
                        "repeat": repeat,
                        "fold": fold,
                        "status": "ok",
                        **values,
                    }
                )
    return rows
