"""The benchmark report of one dataset and of several, the row cap and sampler parameters."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dgm_resample.benchmark import resolve_config
from dgm_resample.benchmark._config import config_to_dict, merge_sampler_params
from dgm_resample.benchmark._grid import sampler_specs
from dgm_resample.benchmark._report import write_report
from dgm_resample.benchmark._scoring import METRICS
from dgm_resample.benchmark._stats import corrected_interval, fold_means, friedman, ranks
from dgm_resample.cli import _overrides, _parser, main

#: "mean [low, high]"
INTERVAL = re.compile(r"-?\d\.\d{3} \[-?\d\.\d{3}, -?\d\.\d{3}\]")
RANK_OUTPUT = ("Friedman", "critical difference", "Win / tie / loss", "p=", "p-value", "cd_")


def _mixed_csv(path, n, seed=0):
    rng = np.random.RandomState(seed)
    y = (rng.uniform(size=n) < 0.2).astype(int)
    frame = pd.DataFrame(
        {
            "age": rng.normal(40, 10, n) + 8 * y,
            "income": rng.lognormal(3, 0.5, n),
            "color": rng.choice(["red", "green", "blue"], n),
            "label": np.where(y == 1, "yes", "no"),
        }
    )
    frame.to_csv(path, index=False)
    return str(path)


def _fake_results(datasets, values, n_folds=4, resampler=None):
    """Results rows whose metric ``m`` of strategy ``s`` on fold ``f`` is ``values[s](m, f)``."""
    rows = []
    for dataset in datasets:
        for strategy, value in values.items():
            sampler, _, tuned = strategy.partition("+")
            for fold in range(n_folds):
                row = {
                    "dataset": dataset,
                    "sampler": sampler,
                    "classifier": "lr",
                    "threshold": "tuned" if tuned else "default",
                    "repeat": 0,
                    "fold": fold,
                    "status": "ok",
                    **{m: value(m, fold) for m in METRICS},
                    "decision_threshold": 0.5,
                    "resample_time": 0.1,
                    "fit_time": 0.1,
                    "n_train": 100,
                    "n_synthetic": 0,
                    "resampler": (resampler or {}).get((dataset, sampler), ""),
                    "error": "",
                }
                rows.append(row)
    return pd.DataFrame(rows)


def _report(tmp_path, results, n_splits=4):
    config = resolve_config({"profile": "full", "n_splits": n_splits, "n_repeats": 1})
    path = tmp_path / "report.md"
    lines = write_report(path, results, None, config, ["VAEOverSampler"])
    return path.read_text(), lines


def test_corrected_interval_inflates_the_variance_for_overlapping_folds():
    values = np.array([0.5, 0.6, 0.55, 0.65, 0.7, 0.45])
    mean, low, high = corrected_interval(values, n_splits=3)
    half = stats.t.ppf(0.975, 5) * values.std(ddof=1) * np.sqrt(1 / 6 + 1 / 2)
    assert mean == pytest.approx(values.mean())
    assert (low, high) == pytest.approx((mean - half, mean + half))
    assert np.isnan(corrected_interval([0.5, np.nan], 3)[1])  # one value: no interval
    assert corrected_interval([np.nan], 3)[0] != corrected_interval([np.nan], 3)[0]


def test_one_dataset_verdict_reads_each_metric_the_right_way_round(tmp_path):
    # the deep sampler: F1 higher than no resampling's (better), Brier score higher (worse);
    # against class weights: the same F1 (no clear difference) and a lower Brier score (better)
    base = {"f1": 0.40, "brier": 0.05}
    deep = {"f1": 0.50, "brier": 0.10}
    weights = {"f1": 0.50, "brier": 0.20}

    def values(table):
        return lambda m, f: table.get(m, 0.5) + (0.01 if f % 2 else -0.01)

    results = _fake_results(
        ["mine"],
        {
            "none": values(base),
            "class_weight": lambda m, f: weights.get(m, 0.5) + (0.02 if f in (0, 3) else -0.02),
            "VAEOverSampler": values(deep),
        },
    )
    report, lines = _report(tmp_path, results)
    assert all(line.startswith("lr: ") for line in lines)  # the console's lines
    lines = [line.removeprefix("lr: ") for line in lines]
    assert all(f"- {line}" in report for line in lines)
    f1_none, brier_none, f1_weights, brier_weights = lines
    assert f1_none.startswith("VAEOverSampler: F1 0.500 [")
    assert "; no resampling: 0.400 [" in f1_none
    assert "— higher (better): the difference +0.100 [+0.100, +0.100] excludes 0." in f1_none
    assert brier_none.startswith("VAEOverSampler: Brier score 0.100 [")
    assert "— higher (worse): the difference +0.050" in brier_none
    assert "; class weights: 0.500 [" in f1_weights
    assert "— no clear difference: the difference +0.000 [" in f1_weights
    assert "includes 0." in f1_weights
    assert "— lower (better): the difference -0.100" in brier_weights
    # a table of values with intervals, and the paired differences; no rank statistics
    for section in ("## Verdict", "## Scores per strategy", "## Differences against the baselines"):
        assert section in report
    assert "| VAEOverSampler | 0.500 [" in report
    assert "+0.050 [+0.050, +0.050] worse" in report  # Brier against no resampling
    for word in RANK_OUTPUT:
        assert word not in report, word


def test_several_datasets_keep_the_rank_statistics(tmp_path):
    rng = np.random.default_rng(0)
    draws = {s: rng.uniform(0.1, 0.9, size=(3, 4, len(METRICS))) for s in ("none", "SMOTE")}
    draws["VAEOverSampler"] = rng.uniform(0.1, 0.9, size=(3, 4, len(METRICS)))
    datasets = ["a", "b", "c"]
    frames = [
        _fake_results(
            [d],
            {s: (lambda m, f, s=s, i=i: draws[s][i, f, METRICS.index(m)]) for s in draws},
            resampler={(d, "SMOTE"): "SMOTENC" if d == "b" else "SMOTE"},
        )
        for i, d in enumerate(datasets)
    ]
    results = pd.concat(frames, ignore_index=True)
    report, lines = _report(tmp_path, results)
    assert lines == []
    for section in (
        "## Verdict",
        "## Mean rank per strategy",
        "## Win / tie / loss against SMOTE",
        "## Friedman test and critical difference",
        "## Probability quality",
    ):
        assert section in report
    assert "## Scores per strategy" not in report and not INTERVAL.search(report)
    f = friedman(ranks(fold_means(results), "f1"))
    assert f"| f1 | {f['statistic']:.3f} | {f['p_value']:.3g} | {f['cd']:.3f} | 3 | 3 |" in report
    # SMOTE ran as SMOTENC on the mixed table b: the report says so
    assert "`SMOTE` ran as SMOTENC on `b`; as SMOTE on `a`, `c`." in report


def test_one_dataset_end_to_end_names_smotenc_and_writes_no_rank_figures(tmp_path, capsys):
    data = _mixed_csv(tmp_path / "mine.csv", n=240)
    out = tmp_path / "out"
    argv = [
        "benchmark",
        "--data",
        data,
        "--target",
        "label",
        "--samplers",
        "none,class_weight,smote,autoregressive",
        "--sampler-params",
        json.dumps({"max_steps": 5}),
        "--classifiers",
        "lr",
        "--folds",
        "3",
        "--threshold",
        "both",
        "--tune-only",
        "none",
        "--output",
        str(out),
        "--no-progress",
    ]
    assert main(argv) == 0
    printed = capsys.readouterr()
    assert "Verdict" in printed.out and "Mean rank" not in printed.out
    assert "AutoregressiveOverSampler: F1 " in printed.out
    assert "subsample" not in printed.err + printed.out  # 240 rows: nothing cut
    results = pd.read_csv(out / "results.csv", keep_default_na=False)
    assert set(results.loc[results["sampler"] == "SMOTE", "resampler"]) == {"SMOTENC"}
    assert set(results.loc[results["sampler"] == "none", "resampler"]) == {""}
    report = (out / "report.md").read_text()
    assert "`SMOTE` ran as SMOTENC on this table" in report
    assert re.search(r"^\| SMOTENC \| " + INTERVAL.pattern, report, flags=re.MULTILINE)
    assert "- AutoregressiveOverSampler: F1 " in report
    assert "no resampling + tuned threshold: " in report
    for word in RANK_OUTPUT:
        assert word not in report, word
    assert not list(out.glob("cd_*.png")) and not (out / "mean_ranks.png").exists()
    assert (out / "reliability_SMOTE.png").is_file()


def test_a_data_file_is_cut_only_with_max_rows_and_the_cut_is_said(tmp_path, capsys):
    data = _mixed_csv(tmp_path / "big.csv", n=2400)  # above the quick profile's max_rows
    assert resolve_config({"data": data, "target": "label"}).max_rows is None
    assert resolve_config({}).max_rows == 2000  # the profile's datasets keep its cap
    common = ["--samplers", "none", "--classifiers", "lr", "--folds", "2"]
    common += ["--threshold", "default", "--no-progress"]
    argv = ["benchmark", "--data", data, "--target", "label", *common]

    assert main([*argv, "--output", str(tmp_path / "whole")]) == 0
    printed = capsys.readouterr()
    assert "subsample" not in printed.err + printed.out
    results = pd.read_csv(tmp_path / "whole" / "results.csv")
    assert (results["n_train"] == 1200).all()
    assert "Subsampled" not in (tmp_path / "whole" / "report.md").read_text()

    assert main([*argv, "--max-rows", "1000", "--output", str(tmp_path / "cut")]) == 0
    printed = capsys.readouterr()
    assert "max_rows = 1000" in printed.err and "big: 2,400 -> 1,000 rows" in printed.err
    assert "big was subsampled from 2,400 to 1,000 rows" in printed.out
    results = pd.read_csv(tmp_path / "cut" / "results.csv")
    assert (results["n_train"] == 500).all()
    report = (tmp_path / "cut" / "report.md").read_text()
    assert "Subsampled (stratified) to max_rows = 1000: `big` 2,400 -> 1,000 rows" in report


def test_sampler_params_merge_into_the_profile():
    quick = resolve_config({}).sampler_params
    assert quick["n_threads"] == 1 and quick["max_steps"] == 300
    # the command line's --sampler-params: one key replaced, the others kept
    args = _parser().parse_args(["benchmark", "--sampler-params", '{"max_steps": 7}'])
    config = resolve_config({}, _overrides(args))
    assert config.sampler_params == {**quick, "max_steps": 7}
    # config file, then command line, then profile: per-sampler tables merge key by key
    config = resolve_config(
        {"sampler_params": {"gan": {"max_steps": 3}, "batch_size": 64}},
        {"sampler_params": {"gan": {"n_critic": 1}}},
    )
    assert config.sampler_params == {
        **quick,
        "gan": {"max_steps": 3, "n_critic": 1},
        "batch_size": 64,
    }
    # the resolved config is a fixed point: its config.yaml repeats the run
    assert resolve_config(config_to_dict(config)) == config
    # "default" leaves a parameter at the sampler's own default
    config = resolve_config({"samplers": ["vae"], "sampler_params": {"max_steps": "default"}})
    (spec,) = sampler_specs(config)
    assert spec.params == {"n_threads": 1}
    assert merge_sampler_params(None, None) == {}
    base = {"gan": {"a": 1}}
    merge_sampler_params(base, {"gan": {"b": 2}})
    assert base == {"gan": {"a": 1}}  # nothing changed in place
