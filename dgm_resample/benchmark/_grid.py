"""Strategies (samplers, class weights) and classifiers of the grid."""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass, field

import numpy as np

from ._config import BenchmarkError

#: built-in strategies: no resampling, balanced class weights and imbalanced-learn samplers
BUILTIN_SAMPLERS = (
    "none",
    "class_weight",
    "RandomOverSampler",
    "SMOTE",
    "BorderlineSMOTE",
    "ADASYN",
)
#: strategies that add no rows
NO_RESAMPLING = ("none", "class_weight")
#: other tabular generators (extra "peers", wrappers in ``benchmark.peers``): run
#: only when ``samplers`` names them, never among the strategies taken by default
PEER_SAMPLERS = ("CTGAN", "TVAE", "ARF", "ForestFlow")
#: shared ``sampler_params`` keys that reach the peers too (where they accept them)
PEER_SHARED_PARAMS = ("n_threads",)
_ALIASES = {
    "random": "RandomOverSampler",
    "ros": "RandomOverSampler",
    "borderline": "BorderlineSMOTE",
    "weights": "class_weight",
    "balanced": "class_weight",
    "forestdiffusion": "ForestFlow",
    "forest_flow": "ForestFlow",
}
#: the reference sampler of the win/tie/loss table
REFERENCE = "SMOTE"
CLASSIFIERS = ("lr", "knn", "tree", "mlp", "hgb", "lgbm")


@dataclass(frozen=True)
class SamplerSpec:
    """A strategy of the grid.

    Attributes
    ----------
    name : str
        Display name (``results.csv``'s ``sampler``).
    kind : {"builtin", "dgm", "peer", "custom"}
    path : str
        Class name (builtin, dgm) or import path (peer, custom).
    params : dict
        Constructor parameters (dgm, peer and custom samplers).
    package : str
        Peers: the package and its version, or why it cannot run here; it
        enters the cell key, so installing or upgrading the package reruns
        the cells. Empty for the other kinds (and then left out of the key).
    """

    name: str
    kind: str
    path: str
    params: dict = field(default_factory=dict)
    package: str = ""

    @property
    def resamples(self):
        """Whether the strategy adds rows (every one except ``none`` and ``class_weight``)."""
        return not (self.kind == "builtin" and self.name in NO_RESAMPLING)

    @property
    def balanced(self):
        """Whether the strategy is ``class_weight`` (balanced class weights, no resampling)."""
        return self.kind == "builtin" and self.name == "class_weight"


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


def known_strategies():
    """Every strategy name ``samplers`` may hold: built-in, ``dgm_resample`` and peers."""
    return list(BUILTIN_SAMPLERS) + dgm_sampler_names() + list(PEER_SAMPLERS)


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


#: a ``sampler_params`` value that leaves the parameter at the sampler's default
DEFAULT = "default"


def _split_params(sampler_params, dgm_names):
    """Split ``sampler_params`` into shared parameters and per-sampler tables.

    A key that names a ``dgm_resample`` sampler (``"GANOverSampler"`` or an
    alias such as ``"gan"``) or a peer (``"forestflow"``) and holds a dict
    applies to that sampler only; it overrides the shared keys, which apply
    to every ``dgm_resample`` sampler (and, for ``PEER_SHARED_PARAMS``, to the
    peers). The value ``"default"`` passes nothing (the sampler's own default).
    """
    shared, own = {}, {}
    for key, value in (sampler_params or {}).items():
        if isinstance(value, dict):
            own.setdefault(_canonical(key, dgm_names), {}).update(value)
        else:
            shared[key] = value
    return shared, own


def sampler_specs(config):
    """The strategies of a resolved config, in order.

    Returns
    -------
    list of SamplerSpec
    """
    names = (
        list(BUILTIN_SAMPLERS) + dgm_sampler_names()
        if config.samplers is None
        else [_canonical(n, known_strategies()) for n in config.samplers]
    )
    shared, own = _split_params(config.sampler_params, dgm_sampler_names() + list(PEER_SAMPLERS))
    specs = []
    for name in dict.fromkeys(names):
        if name in PEER_SAMPLERS:
            specs.append(_peer_spec(name, shared, own.get(name, {})))
            continue
        kind = "builtin" if name in BUILTIN_SAMPLERS else "dgm"
        params = {**shared, **own.get(name, {})} if kind == "dgm" else {}
        params = {k: v for k, v in params.items() if not (isinstance(v, str) and v == DEFAULT)}
        specs.append(SamplerSpec(name, kind, name, params))
    for extra in config.extra_samplers:
        if "path" not in extra:
            raise BenchmarkError(f"extra sampler needs a 'path': {extra}")
        import_object(extra["path"])
        name = extra.get("name") or extra["path"].replace(":", ".").rsplit(".", 1)[-1]
        specs.append(SamplerSpec(name, "custom", extra["path"], dict(extra.get("params") or {})))
    return specs


def _peer_spec(name, shared, own):
    """The spec of a peer: its own table of ``sampler_params`` (and the shared
    keys of ``PEER_SHARED_PARAMS`` it accepts), checked against its parameters."""
    from .peers import package_version, peer_class, unavailable

    cls = peer_class(name)
    params = {k: v for k, v in shared.items() if k in PEER_SHARED_PARAMS and _accepts(cls, k)}
    params.update(own)
    params = {k: v for k, v in params.items() if not (isinstance(v, str) and v == DEFAULT)}
    unknown = sorted(k for k in params if not _accepts(cls, k))
    if unknown:
        accepted = [p for p in inspect.signature(cls).parameters if p != "random_state"]
        raise BenchmarkError(
            f"{name} ({cls.__name__}) has no parameter(s) {unknown}; its parameters: "
            f"{accepted} (the package's other arguments go in model_params)"
        )
    problem = unavailable(name)
    package = f"unavailable: {problem}" if problem else package_version(name)
    return SamplerSpec(name, "peer", f"{cls.__module__}:{cls.__name__}", params, package)


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


def _builtin(name, X, y, categorical, seed):
    from imblearn import over_sampling as ovs

    if name == "RandomOverSampler":
        return ovs.RandomOverSampler(random_state=seed)
    k = _neighbors(y)
    if name == "SMOTE" and categorical and len(categorical) == X.shape[1]:
        return ovs.SMOTEN(k_neighbors=k, random_state=seed)
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


def _peer(name, params, categorical, seed):
    from .peers import peer_class

    values = {"random_state": seed, "categorical_features": list(categorical) or None}
    values["verbose"] = False
    values.update(params)
    return peer_class(name)(**values)


def _custom(path, params, seed):
    cls = import_object(path)
    values = dict(params)
    if "random_state" not in values and _accepts(cls, "random_state"):
        values["random_state"] = seed
    return cls(**values)


def build_sampler(spec, X, y, categorical, seed):
    """Instantiate the sampler of ``spec`` for one training set.

    Parameters
    ----------
    spec : SamplerSpec
    X : DataFrame
        The training rows (their columns choose SMOTE, SMOTENC or SMOTEN).
    y : ndarray of int
        Their labels (the neighbour count of interpolating samplers is
        lowered to the smallest class size minus one).
    categorical : list of str
    seed : int

    Returns
    -------
    object or None
        ``None`` for the strategies that add no rows.
    """
    if not spec.resamples:
        return None
    if spec.kind == "builtin":
        return _builtin(spec.name, X, y, categorical, seed)
    if spec.kind == "dgm":
        return _dgm(spec.name, spec.params, categorical, seed)
    if spec.kind == "peer":
        return _peer(spec.name, spec.params, categorical, seed)
    return _custom(spec.path, spec.params, seed)


def needs_encoding(spec, X, categorical):
    """How the table must be prepared before an interpolating sampler.

    Returns
    -------
    {"", "impute", "onehot"}
        SMOTE (SMOTENC / SMOTEN) only needs missing values imputed;
        BorderlineSMOTE and ADASYN work on numbers only, so categorical columns
        are one-hot encoded.
    """
    if spec.kind != "builtin" or spec.name in NO_RESAMPLING + ("RandomOverSampler",):
        return ""
    if spec.name in ("BorderlineSMOTE", "ADASYN") and categorical:
        return "onehot"
    return "impute" if X.isna().to_numpy().any() else ""


def build_classifier(name, seed, balanced=False):
    """A classifier by short name, seeded.

    Parameters
    ----------
    name : {"lr", "knn", "tree", "mlp", "hgb", "lgbm"}
        ``hgb`` is scikit-learn's HistGradientBoosting, ``lgbm`` LightGBM.
    seed : int
    balanced : bool, default=False
        Give the classifier ``class_weight="balanced"``; only for the names of
        :func:`takes_class_weight`.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.tree import DecisionTreeClassifier

    if name == "lr":
        model = LogisticRegression(max_iter=1000)
    elif name == "knn":
        model = KNeighborsClassifier(n_neighbors=5)
    elif name == "tree":
        model = DecisionTreeClassifier(random_state=seed)
    elif name == "mlp":
        model = MLPClassifier(hidden_layer_sizes=(32,), max_iter=300, random_state=seed)
    elif name == "hgb":
        model = HistGradientBoostingClassifier(random_state=seed)
    elif name == "lgbm":
        model = _lightgbm(seed)
    else:
        raise BenchmarkError(f"unknown classifier {name!r}; choose from {list(CLASSIFIERS)}")
    if balanced:
        model.set_params(class_weight="balanced")
    return model


def _lightgbm(seed):
    try:
        from lightgbm import LGBMClassifier
    except ImportError:
        raise BenchmarkError("classifier 'lgbm' needs LightGBM: pip install lightgbm") from None
    return LGBMClassifier(random_state=seed, n_jobs=1, verbose=-1)


def takes_class_weight(name):
    """Whether the classifier ``name`` has a ``class_weight`` parameter.

    k-NN and the MLP have none: for them the ``class_weight`` strategy is not
    applicable (recorded as ``n/a``).
    """
    return name in ("lr", "tree", "hgb", "lgbm")


def check_classifiers(names):
    """Validate classifier names (and that LightGBM is there for ``lgbm``)."""
    unknown = [n for n in names if n not in CLASSIFIERS]
    if unknown:
        raise BenchmarkError(f"unknown classifier(s) {unknown}; choose from {list(CLASSIFIERS)}")
    if "lgbm" in names:
        _lightgbm(0)
    return list(names)


def slug(text):
    """A file-name-safe form of ``text``."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text))[:60]
