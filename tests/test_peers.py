"""The benchmark's peers: CTGAN, TVAE, ARF and ForestFlow as over-samplers (extra "peers").

The wrapper machinery (encoding, per-class and joint models, rejection, dtypes)
is tested with a stand-in peer that bootstraps the rows it was fitted on, so it
runs without any package; each real wrapper is tested where its package is
installed and runs (``pytest.importorskip``, then skipped with the reason
when the package cannot run with the installed NumPy / pandas).
"""

from __future__ import annotations

import sys
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import torch
from _helpers import mixed_frame
from imblearn.over_sampling import RandomOverSampler
from imblearn.over_sampling.base import BaseOverSampler

from dgm_resample.benchmark import _cell, peers, run
from dgm_resample.benchmark._config import BenchmarkError, digest, resolve_config
from dgm_resample.benchmark._grid import (
    PEER_SAMPLERS,
    SamplerSpec,
    build_sampler,
    needs_encoding,
    sampler_specs,
)
from dgm_resample.benchmark._tasks import cell_key
from dgm_resample.benchmark.peers import EXTRA, PeerOverSampler, PeerUnavailable

#: settings small enough for unit tests
TINY = {
    "CTGAN": {"epochs": 2, "batch_size": 50},
    "TVAE": {"epochs": 2, "batch_size": 50},
    "ARF": {"num_trees": 5, "max_iters": 1},
    "ForestFlow": {"n_t": 3, "duplicate_K": 2, "model_params": {"n_estimators": 5, "max_depth": 3}},
}
#: the module each strategy imports
MODULES = {"CTGAN": "ctgan", "TVAE": "ctgan", "ARF": "arfpy", "ForestFlow": "ForestDiffusion"}


def tiny(name, **params):
    """A small wrapper of ``name``; skips the test where its package cannot run."""
    pytest.importorskip(MODULES[name])
    reason = peers.unavailable(name)
    if reason:
        pytest.skip(reason)
    return peers.peer_class(name)(**{"random_state": 0, **TINY[name], **params})


class BootstrapPeer(PeerOverSampler):
    """A stand-in package: draws rows of the table it was fitted on, with replacement.

    Records every table it is fitted on and every condition it is asked to draw with.
    """

    _conditional = True
    fitted: list = []
    conditions: list = []

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        categorical_features="auto",
        conditioning="per_class",
        verbose=False,
        model_params=None,
    ):
        BaseOverSampler.__init__(self, sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.categorical_features = categorical_features
        self.conditioning = conditioning
        self.verbose = verbose
        self.model_params = model_params

    def _import(self):
        return None

    def _fit_table(self, module, table, discrete, seed):
        BootstrapPeer.fitted.append((table.copy(), list(discrete)))
        return table.copy()

    def _draw_table(self, module, model, n, seed, condition):
        BootstrapPeer.conditions.append(condition)
        rows = np.random.RandomState(seed).randint(len(model), size=n)
        return model.iloc[rows].reset_index(drop=True)


@pytest.fixture(autouse=True)
def _fresh_records():
    BootstrapPeer.fitted, BootstrapPeer.conditions = [], []


def _three_classes(n=(90, 30, 15), seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1, 2], n)
    X = pd.DataFrame(
        {
            "a": rng.normal(size=len(y)) + y,
            "b": rng.integers(0, 5, len(y)),
            "c": rng.choice(["p", "q", "r"], len(y)).astype(object),
        }
    )
    return X, y


STRATEGIES = ["auto", "minority", "not majority", 0.5, {1: 50, 2: 40}, "callable"]


def _strategy(value):
    if value == "callable":
        return lambda y: {1: 60, 2: 60}
    return value


def _expected_counts(X, y, strategy):
    """The counts imbalanced-learn's RandomOverSampler gives for the same strategy."""
    y_ros = RandomOverSampler(sampling_strategy=strategy, random_state=0).fit_resample(X, y)[1]
    return Counter(y_ros.tolist())


def _binary_if_needed(X, y, strategy):
    return (X[y < 2], y[y < 2]) if strategy == 0.5 else (X, y)


# ------------------------------------------------------------- the machinery


@pytest.mark.parametrize("strategy", STRATEGIES, ids=str)
@pytest.mark.parametrize("conditioning", ["per_class", "joint"])
def test_counts_follow_every_sampling_strategy_form(strategy, conditioning):
    X, y = _binary_if_needed(*_three_classes(), strategy)
    sampler = BootstrapPeer(
        sampling_strategy=_strategy(strategy), conditioning=conditioning, random_state=0
    )
    X_res, y_res = sampler.fit_resample(X, y)
    assert Counter(y_res.tolist()) == _expected_counts(X, y, _strategy(strategy))
    pd.testing.assert_frame_equal(X_res.iloc[: len(X)], X.reset_index(drop=True))
    np.testing.assert_array_equal(y_res[: len(y)], y)


def test_per_class_models_see_only_their_class_and_the_rows_given():
    X, y = _three_classes()
    train = np.arange(len(y)) % 3 != 0  # a "fold": every third row held out
    sampler = BootstrapPeer(random_state=0).fit(X.iloc[train], y[train])
    sampler.fit_resample(X.iloc[train], y[train])
    fitted = BootstrapPeer.fitted
    assert len(fitted) == 2  # classes 1 and 2; the majority class gets no model
    for (table, _), label in zip(fitted, (1, 2)):
        rows = X.iloc[train][y[train] == label].reset_index(drop=True)
        decoded = sampler.encoder_.inverse_transform(
            peers._from_table(table, sampler.encoder_.spans_, sampler.encoder_.n_encoded_)
        )
        pd.testing.assert_frame_equal(decoded, rows, check_exact=False, atol=1e-5)
    # a joint model sees every row given, with the label as a discrete column
    BootstrapPeer.fitted, BootstrapPeer.conditions = [], []
    joint = BootstrapPeer(conditioning="joint", random_state=0)
    joint.fit_resample(X.iloc[train], y[train])
    ((table, discrete),) = BootstrapPeer.fitted
    assert len(table) == train.sum()
    label = table.columns[-1]
    assert label in discrete and np.array_equal(table[label], y[train])
    # drawn with the class as the condition where the package can condition
    assert set(BootstrapPeer.conditions) == {(label, 1), (label, 2)}


def test_joint_model_rows_of_another_class_are_rejected():
    X, y = _three_classes()
    sampler = BootstrapPeer(conditioning="joint", random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    new = X_res.iloc[len(X) :]
    # the stand-in draws real rows of every class: the rows kept for a class are its own
    for label in (1, 2):
        real = X.loc[y == label, "a"].to_numpy()
        drawn = new.loc[y_res[len(y) :] == label, "a"].to_numpy()
        assert np.abs(drawn[:, None] - real[None, :]).min(axis=1).max() < 1e-5


def test_a_joint_model_that_never_draws_the_class_fails_clearly(monkeypatch):
    X, y = _three_classes()
    majority_only = BootstrapPeer._draw_table

    def draw(self, module, model, n, seed, condition):
        out = majority_only(self, module, model[model.iloc[:, -1] == 0], n, seed, condition)
        return out

    monkeypatch.setattr(BootstrapPeer, "_draw_table", draw)
    with pytest.raises(RuntimeError, match="0 of the 60 rows labelled 1 .*per_class"):
        BootstrapPeer(conditioning="joint", random_state=0).fit_resample(X, y)


def test_mixed_dtypes_and_missing_values_round_trip():
    X, y = mixed_frame(n=200)
    X_res, y_res = BootstrapPeer(random_state=0).fit_resample(X, y)
    assert list(X_res.columns) == list(X.columns)
    assert (X_res.dtypes == X.dtypes).all()
    assert (X_res["count"].iloc[len(X) :].between(X["count"].min(), X["count"].max())).all()
    new = X_res.iloc[len(X) :]
    assert set(new["city"]) <= set(X["city"]) and set(new["color"]) <= set(X["color"])
    assert new["gappy"].isna().any() and new["label_na"].isna().any()
    assert not new.drop(columns=["gappy", "label_na"]).isna().any().any()


def test_columns_constant_in_a_class_are_kept_and_not_shown():
    X, y = _three_classes()
    X["b"] = np.where(y == 2, 7, X["b"])
    X_res, y_res = BootstrapPeer(random_state=0).fit_resample(X, y)
    assert (X_res["b"].iloc[len(X) :][y_res[len(y) :] == 2] == 7).all()
    shown = BootstrapPeer.fitted[1][0]
    assert shown.shape[1] == 2  # column b is constant in class 2: not given to the package


def test_seeds_repeat_the_rows_and_leave_global_state_alone():
    X, y = mixed_frame(n=200)
    state, torch_state = np.random.get_state(), torch.get_rng_state()
    first = BootstrapPeer(random_state=3).fit_resample(X, y)[0]
    assert BootstrapPeer(random_state=3).fit_resample(X, y)[0].equals(first)
    assert not BootstrapPeer(random_state=4).fit_resample(X, y)[0].equals(first)
    assert np.array_equal(np.random.get_state()[1], state[1])
    assert torch.equal(torch.get_rng_state(), torch_state)


def test_seeded_global_numpy_restores_the_callers_stream():
    np.random.seed(5)
    expected = np.random.random_sample(3)
    np.random.seed(5)
    with peers.seeded_global_numpy(11):
        inside = np.random.random_sample(2)
    with peers.seeded_global_numpy(11):
        assert np.array_equal(np.random.random_sample(2), inside)
    assert np.array_equal(np.random.random_sample(3), expected)


def test_sample_draws_one_class_in_the_fitted_dtypes():
    X, y = mixed_frame(n=200)
    sampler = BootstrapPeer(random_state=0)
    sampler.fit_resample(X, y)
    rows = sampler.sample(7, 1, random_state=0)
    assert rows.shape == (7, X.shape[1]) and (rows.dtypes == X.dtypes).all()
    assert rows.equals(sampler.sample(7, 1, random_state=0))
    with pytest.raises(ValueError, match="No model can generate class 0"):
        sampler.sample(3, 0)


# --------------------------------------------------------- missing packages


@pytest.mark.parametrize("name", PEER_SAMPLERS)
def test_a_missing_package_is_one_line_naming_the_extra(name, monkeypatch):
    real = peers.importlib.import_module

    def without_peers(module, *args):
        if module.split(".")[0] in MODULES.values():
            raise ModuleNotFoundError(f"No module named {module.split('.')[0]!r}")
        return real(module, *args)

    monkeypatch.setattr(peers.importlib, "import_module", without_peers)
    message = peers.unavailable(name)
    assert EXTRA in message and "\n" not in message
    assert MODULES[name].lower() in message.lower()
    X, y = _three_classes()
    with pytest.raises(PeerUnavailable, match=r"dgm-resample\[peers\]"):
        peers.peer_class(name)(random_state=0).fit_resample(X, y)


def test_arf_refuses_numpy_without_in1d(monkeypatch):
    pytest.importorskip("arfpy")
    monkeypatch.delattr(np, "in1d", raising=False)
    message = peers.unavailable("ARF")
    assert "numpy.in1d" in message and "NumPy < 2.4" in message
    with pytest.raises(PeerUnavailable, match="numpy.in1d"):
        peers.ARFSampler(random_state=0).fit_resample(*_three_classes())


def test_benchmark_records_an_unavailable_peer_as_failed(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(peers, "unavailable", lambda name: f"{name} test: {EXTRA}")

    def refuse(self):
        raise PeerUnavailable(f"CTGANSampler test: {EXTRA}")

    monkeypatch.setattr(peers.CTGANSampler, "_import", refuse)
    result = run(_tiny_run(tmp_path, ["none", "ctgan"]))
    rows = result["results"]
    failed = rows[rows["sampler"] == "CTGAN"]
    assert (failed["status"] == "failed").all()
    assert failed["error"].str.contains(r"sampler: PeerUnavailable: .*dgm-resample\[peers\]").all()
    assert (rows.loc[rows["sampler"] == "none", "status"] == "ok").all()
    assert "CTGAN is recorded as failed" in capsys.readouterr().err


# ------------------------------------------------------ the benchmark's grid


def test_peers_are_chosen_by_name_only_and_take_their_own_parameters():
    defaults = {s.name for s in sampler_specs(resolve_config({"profile": "quick"}))}
    assert not defaults & set(PEER_SAMPLERS)
    config = resolve_config(
        {
            "samplers": ["smote", "ctgan", "TVAE", "forestdiffusion", "arf"],
            "sampler_params": {
                "n_threads": 1,
                "max_steps": 5,
                "forestflow": {"n_t": 7, "duplicate_K": "default"},
                "tvae": {"epochs": 3},
            },
            "tuned_samplers": ["ctgan"],
        }
    )
    specs = {s.name: s for s in sampler_specs(config)}
    assert list(specs) == ["SMOTE", "CTGAN", "TVAE", "ForestFlow", "ARF"]
    assert specs["CTGAN"].params == {"n_threads": 1}  # max_steps is not a CTGAN parameter
    assert specs["TVAE"].params == {"n_threads": 1, "epochs": 3}
    assert specs["ForestFlow"].params == {"n_t": 7}
    assert specs["ARF"].params == {} and specs["ARF"].kind == "peer"
    assert specs["SMOTE"].package == "" and specs["CTGAN"].package
    X, y = _three_classes()
    sampler = build_sampler(specs["ForestFlow"], X, y, ["c"], 17)
    assert isinstance(sampler, peers.ForestFlowSampler)
    assert (sampler.n_t, sampler.duplicate_K, sampler.random_state) == (7, 5, 17)
    assert sampler.categorical_features == ["c"] and not sampler.verbose
    assert needs_encoding(specs["ForestFlow"], X.assign(a=np.nan), ["c"]) == ""
    with pytest.raises(BenchmarkError, match=r"ForestFlow .* no parameter\(s\) \['depth'\]"):
        sampler_specs(
            resolve_config(
                {"samplers": ["forestflow"], "sampler_params": {"forestflow": {"depth": 3}}}
            )
        )


def test_the_package_enters_the_cell_key_of_a_peer_only():
    from dgm_resample.benchmark._datasets import Dataset

    X, y = _three_classes()
    dataset = Dataset("toy", X, y, ["c"], [0, 1, 2])
    smote = SamplerSpec("SMOTE", "builtin", "SMOTE")
    # the key of a strategy without a package is the one it had before peers existed
    before = {"name": "SMOTE", "kind": "builtin", "path": "SMOTE", "params": {}}
    value = ["toy", dataset.digest, before, 0, 0, "f", ("default",)]
    assert cell_key(dataset, smote, 0, 0, "f") == f"toy__SMOTE__r0f0__{digest(value)[:10]}.json"
    ctgan = SamplerSpec("CTGAN", "peer", "p:C", {}, "ctgan 0.12.1")
    assert cell_key(dataset, ctgan, 0, 0, "f") != cell_key(
        dataset, SamplerSpec("CTGAN", "peer", "p:C", {}, "unavailable: ..."), 0, 0, "f"
    )


def _tiny_run(tmp_path, samplers, sampler_params=None):
    rng = np.random.RandomState(0)
    n = 120
    y = (rng.uniform(size=n) < 0.3).astype(int)
    frame = pd.DataFrame({"id": np.arange(n), "f0": rng.normal(size=n) + y})
    frame["f1"] = rng.choice(["a", "b"], n)
    frame["target"] = y
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    return {
        "data": str(path),
        "target": "target",
        "samplers": samplers,
        "sampler_params": sampler_params or {},
        "classifiers": ["lr"],
        "n_splits": 2,
        "threshold": "default",
        "output": str(tmp_path / "out"),
        "progress": False,
        "n_jobs": 1,
    }


# ------------------------------------------------------------- the packages


@pytest.mark.parametrize("name", PEER_SAMPLERS)
@pytest.mark.parametrize("strategy", ["auto", {1: 50, 2: 40}], ids=str)
def test_each_package_gives_the_requested_counts(name, strategy):
    X, y = _three_classes()
    sampler = tiny(name, sampling_strategy=strategy)
    X_res, y_res = sampler.fit_resample(X, y)
    assert Counter(y_res.tolist()) == _expected_counts(X, y, strategy)
    pd.testing.assert_frame_equal(X_res.iloc[: len(X)], X)


@pytest.mark.parametrize("name", PEER_SAMPLERS)
def test_each_package_round_trips_mixed_dtypes_with_missing_values(name):
    X, y = mixed_frame(n=200)
    X_res, y_res = tiny(name).fit_resample(X, y)
    assert list(X_res.columns) == list(X.columns) and (X_res.dtypes == X.dtypes).all()
    new = X_res.iloc[len(X) :]
    assert len(new) == (y == 0).sum() - (y == 1).sum()
    assert set(new["city"]) <= set(X["city"])
    assert set(new["label_na"].dropna()) <= set(X["label_na"].dropna())
    assert new["count"].between(X["count"].min(), X["count"].max()).all()
    assert not new.drop(columns=["gappy", "label_na"]).isna().any().any()


@pytest.mark.parametrize("name", PEER_SAMPLERS)
def test_each_package_is_reproducible_and_leaves_global_state_alone(name):
    X, y = _three_classes()
    state, torch_state = np.random.get_state(), torch.get_rng_state()
    first = tiny(name, random_state=1).fit_resample(X, y)[0]
    assert tiny(name, random_state=1).fit_resample(X, y)[0].equals(first)
    assert not tiny(name, random_state=2).fit_resample(X, y)[0].equals(first)
    assert np.array_equal(np.random.get_state()[1], state[1])
    assert torch.equal(torch.get_rng_state(), torch_state)


@pytest.mark.parametrize("name", ["CTGAN", "TVAE"])
def test_the_other_conditioning_gives_the_counts_too(name):
    other = {"CTGAN": "per_class", "TVAE": "joint"}[name]
    X, y = _three_classes()
    X_res, y_res = tiny(name, conditioning=other).fit_resample(X, y)
    assert Counter(y_res.tolist()) == _expected_counts(X, y, "auto")


def test_benchmark_fits_a_peer_on_the_training_fold_only(tmp_path, monkeypatch):
    tiny("CTGAN")
    seen = []
    fit_resample = peers.CTGANSampler.fit_resample

    def recording(self, X, y, **params):
        seen.append(set(X["id"]))
        return fit_resample(self, X, y, **params)

    monkeypatch.setattr(peers.CTGANSampler, "fit_resample", recording)
    config = _tiny_run(tmp_path, ["ctgan"], {"ctgan": {"epochs": 2, "batch_size": 20}})
    result = run(config)
    rows = result["results"]
    assert (rows["status"] == "ok").all() and (rows["resampler"] == "CTGANSampler").all()
    assert (rows["n_synthetic"] > 0).all()
    frame = pd.read_csv(config["data"])
    assert len(seen) == 2  # one fit per fold
    for fold, ids in enumerate(seen):
        train, test = _cell.fold_indices(frame["target"].to_numpy(), 2, 1, 0, 0, fold)
        assert ids == set(frame["id"].iloc[train]) and not ids & set(frame["id"].iloc[test])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
