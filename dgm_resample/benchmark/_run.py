"""``run``: resolve the config, build the grid, run missing cells, write results."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._cell import METRICS
from ._config import config_to_dict, fingerprint, resolve_config
from ._datasets import dataset_specs, load_spec
from ._grid import cell_key, check_classifiers, sampler_specs
from ._runners import execute, load_cell

SORT_KEYS = ["dataset", "sampler", "classifier", "repeat", "fold"]


def _write_config(folder, config):
    import yaml

    text = yaml.safe_dump(config_to_dict(config), sort_keys=False)
    (folder / "config.yaml").write_text(text, encoding="utf-8")


def _tasks(config, datasets, samplers):
    stamp = fingerprint(config)
    tasks = []
    for dataset in datasets:
        for spec in samplers:
            for repeat in range(config.n_repeats):
                for fold in range(config.n_splits):
                    tasks.append(
                        {
                            "dataset": dataset,
                            "sampler": spec,
                            "repeat": repeat,
                            "fold": fold,
                            "n_splits": config.n_splits,
                            "n_repeats": config.n_repeats,
                            "seed": config.seed,
                            "classifiers": list(config.classifiers),
                            "fidelity": bool(config.fidelity),
                            "key": cell_key(dataset.name, spec, repeat, fold, stamp),
                        }
                    )
    return tasks


def _collect(tasks, cells_dir):
    rows, fidelity = [], []
    for task in tasks:
        cell = load_cell(cells_dir, task["key"])
        if cell is None:
            continue
        rows += cell["rows"]
        if cell.get("fidelity"):
            fidelity.append(cell["fidelity"])
    return rows, fidelity


def _results_frame(rows):
    frame = pd.DataFrame(rows)
    for col in METRICS + ("resample_time", "fit_time", "n_train", "n_synthetic"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    frame["error"] = frame["error"].fillna("").astype(str)
    return frame.sort_values(SORT_KEYS, kind="mergesort").reset_index(drop=True)


def _fidelity_frame(records):
    if not records:
        return None
    frame = pd.DataFrame(records)
    frame["error"] = frame["error"].fillna("").astype(str)
    return frame.sort_values(
        ["dataset", "sampler", "repeat", "fold"], kind="mergesort"
    ).reset_index(drop=True)


def run(config):
    """Run a benchmark and write its results.

    Parameters
    ----------
    config : BenchmarkConfig, dict, str or Path
        The run; a str / Path is a TOML or YAML file.

    Returns
    -------
    dict
        ``output`` (Path), ``results`` (DataFrame), ``fidelity`` (DataFrame or
        None), ``summary`` (mean rank table) and ``skipped`` (cells already done).

    Raises
    ------
    BenchmarkError
        For a bad configuration or a network dataset that cannot be fetched.
    """
    from ._plots import write_plots
    from ._report import fold_means, summary_table, write_report

    config = resolve_config(config)
    check_classifiers(config.classifiers)
    samplers = sampler_specs(config)
    folder = Path(config.output)
    cells_dir = folder / "cells"
    cells_dir.mkdir(parents=True, exist_ok=True)
    _write_config(folder, config)
    datasets = [load_spec(spec, config) for spec in dataset_specs(config)]
    tasks = _tasks(config, datasets, samplers)
    todo = [t for t in tasks if not (cells_dir / t["key"]).is_file()]
    execute(todo, config, cells_dir)
    rows, records = _collect(tasks, cells_dir)
    results = _results_frame(rows)
    fidelity = _fidelity_frame(records)
    results.to_csv(folder / "results.csv", index=False)
    if fidelity is not None:
        fidelity.to_csv(folder / "fidelity.csv", index=False)
    means = fold_means(results)
    write_report(folder / "report.md", results, fidelity, config)
    write_plots(folder, results, means, fidelity)
    return {
        "output": folder,
        "results": results,
        "fidelity": fidelity,
        "summary": summary_table(means),
        "skipped": len(tasks) - len(todo),
    }
