"""Samplers, classifiers and the grid of cells (dataset x sampler x repeat x fold)."""

from __future__ import annotations

import importlib
import inspect
import re

import numpy as np
import pandas as pd

from ._config import BenchmarkError

#: built-in samplers from imbalanced-learn, by canonical name
BUILTIN_SAMPLERS = ("none", "RandomOverSampler", "SMOTE", "BorderlineSMOTE", "ADASYN")
_ALIASES = {
    "random": "RandomOverSampler",
    "ros": "RandomOverSampler",
    "borderline": "BorderlineSMOTE",
}
#: the reference sampler of the win/tie/loss table
REFERENCE = "SMOTE"
CLASSIFIERS = ("lr", "knn", "tree", "mlp", "hgb")


def dgm_sampler_names():
    """Names of the ``dgm_resample`` over-samplers that exist now.

    Returns
    -------
    list of str
        Names in ``dgm_resample.__all__`` ending with ``"OverSampler"``.
    """
    import dgm_resample

    names = getattr(dgm_resample, "__all__", [])
    return [n for n in names if n.endswith("OverSampler") and hasattr(dgm_resample, n)]


def _canonical(name, available):
    low = name.strip().lower()
    low = _ALIASES.get(low, low).lower()
    for candidate in available:
        short = candidate.lower().removesuffix("oversampler")
        if low in (candidate.lower(), short):
            return candidate
    raise BenchmarkError(f"unknown sampler {name!r}; choose from {list(available)}")


def import_object(path):
    """Import ``package.module:Name`` (or ``package.module.Name``)."""
    module, sep, attr = path.partition(":")
    if not sep:
        module, _, attr = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise BenchmarkError(f"cannot import sampler {path!r}: {exc}") from None


def _split_params(sampler_params, dgm_names):
    """Split ``sampler_params`` into shared parameters and per-sampler tables.

    A key that names a ``dgm_resample`` sampler (``"GANOverSampler"`` or an
    alias such as ``"gan"``) and holds a dict applies to that sampler only; it
    overrides the shared keys, which apply to every ``dgm_resample`` sampler.
    """
    shared, own = {}, {}
    for key, value in (sampler_params or {}).items():
        if isinstance(value, dict):
            own.setdefault(_canonical(key, dgm_names), {}).update(value)
        else:
            shared[key] = value
    return shared, own


def sampler_specs(config):
    """The samplers of a resolved config, as plain dicts, in order.

    Returns
    -------
    list of dict
        Keys ``name``, ``kind`` ("builtin", "dgm" or "custom"), ``path``, ``params``.
    """
    available = list(BUILTIN_SAMPLERS) + dgm_sampler_names()
    names = (
        available
        if config.samplers is None
        else [_canonical(n, available) for n in config.samplers]
    )
    shared, own = _split_params(config.sampler_params, dgm_sampler_names())
    specs = []
    for name in dict.fromkeys(names):
        kind = "builtin" if name in BUILTIN_SAMPLERS else "dgm"
        params = {**shared, **own.get(name, {})} if kind == "dgm" else {}
        specs.append({"name": name, "kind": kind, "path": name, "params": params})
    for extra in config.extra_samplers:
        if "path" not in extra:
            raise BenchmarkError(f"extra sampler needs a 'path': {extra}")
        import_object(extra["path"])
        name = extra.get("name") or extra["path"].replace(":", ".").rsplit(".", 1)[-1]
        specs.append(
            {
                "name": name,
                "kind": "custom",
                "path": extra["path"],
                "params": dict(extra.get("params") or {}),
            }
        )
    return specs


def _accepts(cls, name):
    try:
        return name in inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return False


def _neighbors(y):
    counts = np.bincount(y)
    smallest = counts[counts > 0].min()
    k = int(min(5, smallest - 1))
    if k < 1:
        raise ValueError(f"a class has {smallest} row(s) in the training fold; cannot interpolate")
    return k


def _builtin(name, y, categorical, seed):
    from imblearn import over_sampling as ovs

    if name == "RandomOverSampler":
        return ovs.RandomOverSampler(random_state=seed)
    k = _neighbors(y)
    if name == "SMOTE" and categorical:
        return ovs.SMOTENC(categorical_features=list(categorical), k_neighbors=k, random_state=seed)
    if name == "SMOTE":
        return ovs.SMOTE(k_neighbors=k, random_state=seed)
    if name == "BorderlineSMOTE":
        return ovs.BorderlineSMOTE(k_neighbors=k, m_neighbors=max(k, 5), random_state=seed)
    return ovs.ADASYN(n_neighbors=k, random_state=seed)


def _dgm(name, params, categorical, seed):
    import dgm_resample

    cls = getattr(dgm_resample, name)
    values = {"random_state": seed, "categorical_features": list(categorical) or None, "verbose": 0}
    values.update(params)
    return cls(**{k: v for k, v in values.items() if _accepts(cls, k)})


def _custom(path, params, seed):
    cls = import_object(path)
    values = dict(params)
    if "random_state" not in values and _accepts(cls, "random_state"):
        values["random_state"] = seed
    return cls(**values)


def build_sampler(spec, y, categorical, seed):
    """Instantiate the sampler of ``spec`` for one training fold.

    Returns
    -------
    object or None
        ``None`` for ``"none"``.
    """
    if spec["kind"] == "builtin":
        return None if spec["name"] == "none" else _builtin(spec["name"], y, categorical, seed)
    if spec["kind"] == "dgm":
        return _dgm(spec["name"], spec["params"], categorical, seed)
    return _custom(spec["path"], spec["params"], seed)


def needs_encoding(spec, X, categorical):
    """How the table must be prepared before an interpolating sampler.

    Returns
    -------
    {"", "impute", "onehot"}
        SMOTE (SMOTENC) only needs missing values imputed; BorderlineSMOTE and
        ADASYN work on numbers only, so categorical columns are one-hot encoded.
    """
    if spec["kind"] != "builtin" or spec["name"] in ("none", "RandomOverSampler"):
        return ""
    if spec["name"] in ("BorderlineSMOTE", "ADASYN") and categorical:
        return "onehot"
    return "impute" if X.isna().to_numpy().any() else ""


def build_classifier(name, seed):
    """A classifier by short name, seeded.

    Parameters
    ----------
    name : {"lr", "knn", "tree", "mlp", "hgb"}
        ``hgb`` is LightGBM when importable, else HistGradientBoosting.
    seed : int
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.tree import DecisionTreeClassifier

    if name == "lr":
        return LogisticRegression(max_iter=1000)
    if name == "knn":
        return KNeighborsClassifier(n_neighbors=5)
    if name == "tree":
        return DecisionTreeClassifier(random_state=seed)
    if name == "mlp":
        return MLPClassifier(hidden_layer_sizes=(32,), max_iter=300, random_state=seed)
    if name == "hgb":
        return _boosting(seed)
    raise BenchmarkError(f"unknown classifier {name!r}; choose from {list(CLASSIFIERS)}")


def _boosting(seed):
    try:
        from lightgbm import LGBMClassifier
    except ImportError:
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(random_state=seed)
    return LGBMClassifier(random_state=seed, n_jobs=1, verbose=-1)


def check_classifiers(names):
    """Validate classifier names."""
    unknown = [n for n in names if n not in CLASSIFIERS]
    if unknown:
        raise BenchmarkError(f"unknown classifier(s) {unknown}; choose from {list(CLASSIFIERS)}")
    return list(names)


def slug(text):
    """A file-name-safe form of ``text``."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text))[:60]


def cell_seed(seed, repeat, fold):
    """The seed of the samplers and classifiers of one fold."""
    return int(np.random.SeedSequence([int(seed), repeat, fold]).generate_state(1)[0] >> 1)


def cell_key(dataset, spec, repeat, fold, fingerprint):
    """The file name of a finished cell."""
    import hashlib
    import json

    text = json.dumps([dataset, spec, repeat, fold, fingerprint], sort_keys=True, default=str)
    digest = hashlib.sha256(text.encode()).hexdigest()[:10]
    return f"{slug(dataset)}__{slug(spec['name'])}__r{repeat}f{fold}__{digest}.json"


def frame_to_numeric(X):
    """Return ``X`` as a DataFrame (for frames returned as arrays by a sampler)."""
    return X if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
