"""End-to-end tests of ``dgm-resample benchmark`` on tiny datasets."""

from __future__ import annotations

import json
import urllib.error
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import RandomOverSampler
from sklearn.datasets import make_classification

from dgm_resample.benchmark import BenchmarkError, dgm_sampler_names, run
from dgm_resample.benchmark import _datasets as datasets_module
from dgm_resample.benchmark._config import resolve_config
from dgm_resample.benchmark._grid import sampler_specs
from dgm_resample.benchmark._stats import nemenyi_cd, wilcoxon_p
from dgm_resample.cli import main

TIMES = ["resample_time", "fit_time"]
FAST = ["--classifiers", "lr,tree", "--folds", "2", "--threshold", "default", "--no-progress"]


class CountingSampler(RandomOverSampler):
    """Random over-sampling that appends a line to ``log`` on every fit."""

    def __init__(self, *, log=None, sampling_strategy="auto", random_state=None):
        super().__init__(sampling_strategy=sampling_strategy, random_state=random_state)
        self.log = log

    def fit_resample(self, X, y, **params):
        with open(self.log, "a", encoding="utf-8") as handle:
            handle.write("fit\n")
        return super().fit_resample(X, y, **params)


class FailingSampler:
    """A sampler that always fails."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit_resample(self, X, y):
        raise RuntimeError("boom: this sampler always fails")


def _mixed_csv(path, n=240, seed=0):
    rng = np.random.RandomState(seed)
    y = (rng.uniform(size=n) < 0.2).astype(int)
    frame = pd.DataFrame(
        {
            "age": rng.normal(40, 10, n) + 5 * y,
            "income": rng.lognormal(3, 0.5, n),
            "color": rng.choice(["red", "green", "blue"], n),
            "level": rng.randint(0, 3, n),
            "label": np.where(y == 1, "yes", "no"),
        }
    )
    frame.loc[rng.uniform(size=n) < 0.05, "age"] = np.nan
    frame.to_csv(path, index=False)
    return path


def _generated_csv(path):
    X, y = make_classification(n_samples=200, n_features=6, weights=[0.85], random_state=1)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)]).assign(target=y)
    frame.to_csv(path, index=False)
    return path


def _without_times(frame):
    return frame.drop(columns=TIMES).reset_index(drop=True)


def test_help_lists_every_option(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["benchmark", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for option in (
        "--config",
        "--profile",
        "--datasets",
        "--data",
        "--target",
        "--categorical",
        "--samplers",
        "--sampler ",
        "--sampler-params",
        "--classifiers",
        "--threshold ",
        "--threshold-metric",
        "--threshold-folds",
        "--tune-only",
        "--fit-seed",
        "--folds",
        "--repeats",
        "--seed",
        "--max-rows",
        "--fidelity",
        "--output",
        "--n-jobs",
        "--scheduler",
        "--dask-local",
        "--cache-dir",
        "--no-progress",
    ):
        assert option in text


def test_real_datasets_end_to_end_resume_and_failure(tmp_path, capsys):
    log = tmp_path / "fits.log"
    out = tmp_path / "out"
    argv = [
        "benchmark",
        "--datasets",
        "appendicitis,iris0",
        "--samplers",
        "none,random,smote",
        "--sampler",
        "test_benchmark:CountingSampler",
        json.dumps({"log": str(log)}),
        "--sampler",
        "test_benchmark:FailingSampler",
        "--output",
        str(out),
        *FAST,
    ]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "Mean rank per strategy" in printed and "SMOTE" in printed
    for name in (
        "results.csv",
        "report.md",
        "config.yaml",
        "mean_ranks.png",
        "quality_vs_time.png",
        "cd_f1.png",
    ):
        assert (out / name).is_file(), name
    results = pd.read_csv(out / "results.csv", keep_default_na=False, na_values=[""])
    assert len(results) == 2 * 5 * 2 * 2
    assert set(results["sampler"]) == {
        "none",
        "RandomOverSampler",
        "SMOTE",
        "CountingSampler",
        "FailingSampler",
    }
    failed = results[results["sampler"] == "FailingSampler"]
    assert failed["error"].str.contains("boom").all() and failed["f1"].isna().all()
    ok = results[results["sampler"] != "FailingSampler"]
    assert ok["error"].isna().all() and ok["f1"].notna().all()
    assert (ok.loc[ok["sampler"] == "none", "n_synthetic"] == 0).all()
    assert (ok.loc[ok["sampler"] == "SMOTE", "n_synthetic"] > 0).all()
    report = (out / "report.md").read_text()
    for section in (
        "## Verdict",
        "## Mean rank per strategy",
        "## Win / tie / loss against SMOTE",
        "## Friedman test",
        "## Time per strategy",
        "## Probability quality",
        "## Errors",
        "cd_f1.png",
    ):
        assert section in report
    assert "| FailingSampler | 5.000 |" in report  # a failure ranks last
    assert "## Scores per strategy" not in report  # the one-dataset tables
    assert log.read_text().count("fit") == 2 * 2
    first = pd.read_csv(out / "results.csv")

    # same run again: every cell is skipped, the results are the same
    assert main(argv) == 0
    assert log.read_text().count("fit") == 2 * 2
    second = pd.read_csv(out / "results.csv")
    pd.testing.assert_frame_equal(first, second)

    # the written config repeats the run exactly (nothing left to do)
    result = run(out / "config.yaml")
    assert result["skipped"] == 2 * 5 * 2
    assert log.read_text().count("fit") == 2 * 2


def test_both_thresholds_are_written_and_resumed(tmp_path):
    log = tmp_path / "fits.log"
    out = tmp_path / "out"
    argv = [
        "benchmark",
        "--datasets",
        "appendicitis",
        "--samplers",
        "none,class_weight",
        "--sampler",
        "test_benchmark:CountingSampler",
        json.dumps({"log": str(log)}),
        "--classifiers",
        "lr,knn",
        "--folds",
        "2",
        "--threshold",
        "both",
        "--tune-only",
        "all",
        "--threshold-folds",
        "2",
        "--output",
        str(out),
        "--no-progress",
    ]
    assert main(argv) == 0
    first = pd.read_csv(out / "results.csv")
    # 3 strategies x 2 classifiers x 2 folds x 2 thresholds
    assert len(first) == 24
    counts = first.groupby(["sampler", "threshold", "status"]).size().to_dict()
    assert counts[("none", "tuned", "ok")] == 4
    assert counts[("CountingSampler", "tuned", "ok")] == 4
    for threshold in ("default", "tuned"):
        assert counts[("class_weight", threshold, "ok")] == 2  # lr
        assert counts[("class_weight", threshold, "not_applicable")] == 2  # k-NN has no weights
    tuned = first[(first["threshold"] == "tuned") & (first["status"] == "ok")]
    assert tuned["decision_threshold"].between(0, 1).all()
    assert (first.loc[first["threshold"] == "default", "decision_threshold"].dropna() == 0.5).all()
    # per fold: the training fold's fit plus one per inner fold, shared by the classifiers
    fits = log.read_text().count("fit")
    assert fits == 2 * (1 + 2)

    assert main(argv) == 0  # resumed: nothing refitted, the same rows
    assert log.read_text().count("fit") == fits
    pd.testing.assert_frame_equal(first, pd.read_csv(out / "results.csv"))


def test_mixed_user_data_with_every_builtin_and_one_dgm_sampler(tmp_path):
    data = _mixed_csv(tmp_path / "mixed.csv")
    samplers = ["none", "random", "smote", "borderline", "adasyn"] + dgm_sampler_names()[:1]
    result = run(
        {
            "data": str(data),
            "target": "label",
            "categorical": ["level"],
            "samplers": samplers,
            "sampler_params": {"max_steps": 20, "device": "cpu"},
            "classifiers": ["lr"],
            "n_splits": 2,
            "output": str(tmp_path / "out"),
            "threshold": "default",
            "progress": False,
        }
    )
    results = result["results"]
    assert set(results["dataset"]) == {"mixed"}
    assert len(results) == len(samplers) * 2
    assert (results["error"] == "").all(), results["error"].tolist()
    assert results["f1"].notna().all()
    assert "mixed" in (tmp_path / "out" / "report.md").read_text()


def test_runners_give_the_same_results(tmp_path):
    pytest.importorskip("distributed")
    data = _generated_csv(tmp_path / "gen.csv")
    base = {
        "data": str(data),
        "target": "target",
        "datasets": ["iris0"],
        "samplers": ["none", "random", "smote", "adasyn", "vae"],
        "sampler_params": {"max_steps": 10, "device": "cpu", "n_threads": 1},
        "classifiers": ["lr", "knn"],
        "n_splits": 2,
        "threshold": "default",
        "progress": False,
    }
    serial = run({**base, "output": str(tmp_path / "serial")})["results"]
    dask = run({**base, "output": str(tmp_path / "dask"), "dask_local": 2, "dask_processes": False})
    joblib = run({**base, "output": str(tmp_path / "joblib"), "n_jobs": 2})
    assert len(serial) == 2 * 5 * 2 * 2
    # ADASYN cannot run on the separable iris0 and is recorded as failed; the rest ran
    failed = serial.loc[serial["error"] != "", ["dataset", "sampler"]].drop_duplicates()
    assert failed.values.tolist() == [["iris0", "ADASYN"]]
    pd.testing.assert_frame_equal(_without_times(serial), _without_times(dask["results"]))
    pd.testing.assert_frame_equal(_without_times(serial), _without_times(joblib["results"]))
    on_disk = pd.read_csv(tmp_path / "dask" / "results.csv")
    keys = ["dataset", "sampler", "classifier", "threshold", "repeat", "fold"]
    assert list(on_disk.columns[:6]) == keys


def test_sampler_params_shared_and_per_sampler():
    config = resolve_config(
        {
            "datasets": ["ecoli1"],
            "samplers": ["smote", "vae", "gan"],
            "sampler_params": {"max_steps": 7, "gan": {"max_steps": 3, "n_critic": 1}},
        }
    )
    params = {spec.name: spec.params for spec in sampler_specs(config)}
    assert params == {  # n_threads: the quick profile's
        "SMOTE": {},
        "VAEOverSampler": {"max_steps": 7, "n_threads": 1},
        "GANOverSampler": {"max_steps": 3, "n_critic": 1, "n_threads": 1},
    }
    with pytest.raises(BenchmarkError, match="unknown sampler"):
        sampler_specs(resolve_config({"sampler_params": {"nosuch": {"max_steps": 1}}}))


def test_profiles_fill_unset_fields_only():
    quick = resolve_config({})
    assert quick.datasets and quick.n_splits and quick.classifiers
    assert quick.n_jobs >= 1 and isinstance(quick.sampler_params, dict)
    mine = resolve_config({"n_jobs": 1, "sampler_params": {}, "n_splits": 2})
    assert (mine.n_jobs, mine.sampler_params, mine.n_splits) == (1, quick.sampler_params, 2)
    full = resolve_config({"profile": "full"})
    assert full.sampler_params == {} and full.datasets == "all"


#: the configurations the benchmark documentation tells users to run
SHIPPED_CONFIGS = sorted((Path(__file__).parents[1] / "benchmarks" / "configs").iterdir())


@pytest.mark.parametrize("path", SHIPPED_CONFIGS, ids=lambda path: path.name)
def test_shipped_configs_resolve_to_distinct_existing_samplers(path, monkeypatch):
    monkeypatch.syspath_prepend(str(path.parents[1]))  # a screen's sampler lives in benchmarks/
    config = resolve_config(path)
    names = [spec.name for spec in sampler_specs(config)]
    assert names and len(set(names)) == len(names)
    assert config.classifiers and config.n_splits >= 2


def test_speed_cell_fits_the_sampler_with_the_given_parameters(monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).parents[1] / "benchmarks"))
    import bench_speed

    built = []
    real = bench_speed._sampler
    monkeypatch.setattr(
        bench_speed, "_sampler", lambda *args: built.append(real(*args)) or built[-1]
    )
    params = {"max_steps": 3, "hidden_dims": [16]}
    record = bench_speed.run_cell("VAEOverSampler", 600, False, 1, 0, False, params)
    assert record["sampler"] == "VAEOverSampler" and record["seconds"] > 0
    assert record["n_synthetic"] > 0
    # the warm-up fit (2 steps) and the timed fit both carry the parameters
    assert [s.hidden_dims for s in built] == [[16], [16]]
    assert [s.history_[-1]["step"] for s in built] == [2, 3]


def test_posterior_screen_keeps_rows_its_model_assigns_to_their_class(monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).parents[1] / "benchmarks"))
    from likelihood_screen import ARPosteriorFilter, _PosteriorJudge

    X, y = make_classification(n_samples=200, n_features=4, weights=[0.85], random_state=0)
    sampler = ARPosteriorFilter(max_steps=30, random_state=0, n_threads=1)
    X_res, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [170, 170]
    assert set(sampler.acceptance_) == {1} and 0 < sampler.acceptance_[1] <= 1
    judge = _PosteriorJudge(sampler, sampler.models_[1], "cpu")
    Z = sampler.encoder_.transform(X_res[200:])
    share = np.stack([judge.own_class_counts(Z, code, None) for code in (0, 1)])
    np.testing.assert_allclose(share.sum(axis=0), 1.0)
    # most kept rows met the rule (the rest fill up with the best rejected ones)
    assert (share[1] >= judge.required_count(None, sampler.filter_min_share)).mean() > 0.5
    # the posterior weighs each class's likelihood by its training share (170 : 30)
    log_like = np.stack(
        [sampler.score_samples(X_res[200:], label) for label in sampler.classes_], axis=1
    )
    expected = 1 / (1 + np.exp(log_like[:, 0] - log_like[:, 1] + np.log(170 / 30)))
    np.testing.assert_allclose(share[1], expected, rtol=1e-4, atol=1e-6)


def test_toml_config_file(tmp_path):
    data = _generated_csv(tmp_path / "gen.csv")
    config = tmp_path / "run.toml"
    config.write_text(
        f'data = "{data}"\ntarget = "target"\nsamplers = ["none", "smote"]\n'
        f'classifiers = ["knn"]\nn_splits = 2\nseed = 3\noutput = "{tmp_path / "out"}"\n'
        'threshold = "default"\n'
        "progress = false\n"
    )
    result = run(config)
    assert len(result["results"]) == 2 * 2
    assert "seed: 3" in (tmp_path / "out" / "config.yaml").read_text()


@pytest.mark.parametrize(
    "spec,target", [("openml:40945", "_fetch_openml"), ("imblearn:ecoli", "_fetch_imblearn")]
)
def test_offline_network_dataset_fails_with_one_line(tmp_path, capsys, monkeypatch, spec, target):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(datasets_module, target, offline)
    code = main(
        [
            "benchmark",
            "--datasets",
            spec,
            "--samplers",
            "none",
            "--cache-dir",
            str(tmp_path / "cache"),
            "--output",
            str(tmp_path / "out"),
            *FAST,
        ]
    )
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert spec in err and "Traceback" not in err
    with pytest.raises(BenchmarkError):
        run({"datasets": [spec], "samplers": ["none"], "output": str(tmp_path / "o2")})


def test_bad_options_fail_cleanly(tmp_path, capsys):
    assert main(["benchmark", "--samplers", "nosuch", "--output", str(tmp_path)]) == 2
    assert "unknown sampler" in capsys.readouterr().err
    assert (
        main(["benchmark", "--data", "missing.csv", "--target", "y", "--output", str(tmp_path)])
        == 2
    )
    assert "not found" in capsys.readouterr().err


def test_fidelity(tmp_path):
    pytest.importorskip("dgm_resample.metrics")
    result = run(
        {
            "datasets": ["appendicitis"],
            "samplers": ["none", "random", "smote"],
            "classifiers": ["lr"],
            "n_splits": 2,
            "fidelity": True,
            "output": str(tmp_path / "out"),
            "threshold": "default",
            "progress": False,
        }
    )
    fidelity = pd.read_csv(tmp_path / "out" / "fidelity.csv")
    assert set(fidelity["sampler"]) == {"RandomOverSampler", "SMOTE"}
    assert "detection_auc" in fidelity.columns
    report = (tmp_path / "out" / "report.md").read_text()
    assert "## Fidelity" in report
    assert result["fidelity"] is not None
    assert (Path(tmp_path / "out") / "fidelity_SMOTE.png").is_file()


def test_statistics_helpers():
    assert wilcoxon_p(np.zeros(5)) == 1.0
    assert np.isnan(wilcoxon_p(np.array([])))
    assert nemenyi_cd(5, 10) == pytest.approx(2.728 * np.sqrt(5 * 6 / 60), rel=1e-3)


def test_speed_floor_counts_only_the_matrix_products(monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).parents[1] / "benchmarks"))
    import bench_speed
    import torch

    a, b = torch.ones(64, 32), torch.ones(32, 16)
    seconds, n_ops = bench_speed._matmul_floor(lambda: (a + 1.0).exp().sum())
    assert seconds == 0.0 and n_ops >= 3
    seconds, n_ops = bench_speed._matmul_floor(lambda: [a @ b for _ in range(3)])
    assert seconds > 0.0 and n_ops >= 3
    # a floor cell fits once more under the profiler and reports what it counted
    params = {"max_steps": 3, "hidden_dims": [16]}
    record = bench_speed.run_cell("VAEOverSampler", 600, False, 1, 0, False, params, floor=True)
    assert record["matmul_s"] > 0.0 and record["torch_ops"] > 0


def test_step_timing_trains_the_model_a_fit_builds(monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).parents[1] / "benchmarks"))
    import bench_step

    record = bench_step.time_steps(
        "VAEOverSampler", 32, n_steps=2, params={"hidden_dims": [16]}, n_rows=600
    )
    assert record["sampler"] == "VAEOverSampler" and record["batch_size"] == 32
    assert record["step_ms"] > 0 and record["compiled"] is False
    # the GAN's step never calls loss(), so it is not compiled even when asked
    record = bench_step.time_steps(
        "GANOverSampler", 32, n_steps=1, compile=True, params={"max_steps": 1}, n_rows=600
    )
    assert record["compiled"] is False and record["step_ms"] > 0


def test_compare_runs_pairs_each_strategy_with_itself(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(Path(__file__).parents[1] / "benchmarks"))
    import compare_runs

    def results(shift, seed):
        rows = []
        for dataset in ("a", "b", "c", "d", "e", "f"):
            for fold in (0, 1):
                base = {"dataset": dataset, "classifier": "lr", "threshold": "default"}
                base.update({"repeat": 0, "fold": fold, "status": "ok"})
                for sampler, f1 in (("X", 0.5 + shift), ("Y", 0.4)):
                    rows.append({**base, "sampler": sampler, "f1": f1 + 0.01 * seed})
        return pd.DataFrame(rows)

    for version, shift in (("before", 0.0), ("after", 0.05)):
        for seed in (0, 1):
            folder = tmp_path / version / f"seed{seed}"
            folder.mkdir(parents=True)
            results(shift, seed).to_csv(folder / "results.csv", index=False)
    before, n = compare_runs.read(str(tmp_path / "before" / "seed*" / "results.csv"))
    after, _ = compare_runs.read(str(tmp_path / "after" / "seed*" / "results.csv"))
    table = compare_runs.compare(before, after, ["f1"]).set_index("strategy")
    assert n == 2 and list(table.index) == ["X", "Y"]
    assert table.loc["X", "after: win/tie/loss"] == "6/0/0"
    assert table.loc["X", "mean after - before"] == pytest.approx(0.05)
    assert table.loc["Y", "after: win/tie/loss"] == "0/6/0"


def test_bench_pairs_pools_blocks_of_a_classifier_group(monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).parents[1] / "benchmarks"))
    import bench_pairs

    rows = []
    for dataset in ("a", "b", "c", "d", "e", "f"):
        for classifier in ("lr", "knn"):
            for sampler, threshold, brier in (
                ("AR", "calibrated", 0.08),
                ("none", "calibrated", 0.09 if classifier == "knn" else 0.07),
            ):
                rows.append(
                    {
                        "dataset": dataset,
                        "classifier": classifier,
                        "sampler": sampler,
                        "threshold": threshold,
                        "repeat": 0,
                        "fold": 0,
                        "status": "ok",
                        "brier": brier,
                        "resample_time": 1.0,
                        "fit_time": 0.5,
                        "error": "",
                        "seed": 0,
                    }
                )
    table = bench_pairs.pairs_table(
        pd.DataFrame(rows), [("AR+calibrated", "none+calibrated")], [["knn"], ["lr"]], ["brier"]
    ).set_index("classifiers")
    assert table.loc["knn", "win/tie/loss"] == "6/0/0"  # lower Brier wins
    assert table.loc["lr", "win/tie/loss"] == "0/0/6"
    assert table.loc["knn", "blocks"] == 6
