"""Run the cells of the grid: in process, with joblib or on Dask; store each as it ends."""

from __future__ import annotations

import dataclasses
import json
import math
import os
from pathlib import Path

from ._cell import run_cell


def _clean(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def store_cell(cells_dir, result):
    """Write one finished cell atomically (``cells/<key>``)."""
    data = {
        "rows": [{k: _clean(v) for k, v in row.items()} for row in result["rows"]],
        "calibration": result.get("calibration", []),
        "fidelity": None
        if result["fidelity"] is None
        else {k: _clean(v) for k, v in result["fidelity"].items()},
    }
    path = Path(cells_dir) / result["key"]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def load_cell(cells_dir, key):
    """A stored cell, or ``None`` when it is not finished."""
    path = Path(cells_dir) / key
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _progress(total, enabled):
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, desc="benchmark cells", unit="cell")


def _serial(tasks):
    for task in tasks:
        yield run_cell(task)


def _joblib(tasks, n_jobs):
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    yield from parallel(delayed(run_cell)(task) for task in tasks)


def _dask_client(config):
    from distributed import Client, LocalCluster

    if config.scheduler:
        return Client(config.scheduler), None
    # loopback only; in-process workers talk over inproc:// and take no host
    where = {"host": "127.0.0.1"} if config.dask_processes else {}
    cluster = LocalCluster(
        n_workers=config.dask_local,
        threads_per_worker=1,
        processes=config.dask_processes,
        dashboard_address=None,
        **where,
    )
    return Client(cluster), cluster


def _dask(tasks, config):
    from distributed import as_completed

    client, cluster = _dask_client(config)
    try:
        datasets = {}
        for task in tasks:
            name = task.dataset.name
            if name not in datasets:
                datasets[name] = client.scatter(task.dataset, broadcast=True)
        futures = [
            client.submit(
                _run_remote,
                dataclasses.replace(task, dataset=None),
                datasets[task.dataset.name],
                pure=False,
            )
            for task in tasks
        ]
        for future in as_completed(futures):
            yield future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _run_remote(task, dataset):
    return run_cell(dataclasses.replace(task, dataset=dataset))


def execute(tasks, config, cells_dir):
    """Run ``tasks`` and store each finished cell in ``cells_dir``.

    Parameters
    ----------
    tasks : list of Task
        Unfinished cells (see :func:`run_cell`).
    config : BenchmarkConfig
        ``n_jobs``, ``scheduler``, ``dask_local`` and ``progress`` are read.
    cells_dir : Path
    """
    if not tasks:
        return
    if config.scheduler or config.dask_local:
        results = _dask(tasks, config)
    elif config.n_jobs and config.n_jobs != 1:
        results = _joblib(tasks, config.n_jobs)
    else:
        results = _serial(tasks)
    with _progress(len(tasks), config.progress) as bar:
        for result in results:
            store_cell(cells_dir, result)
            bar.update(1)
