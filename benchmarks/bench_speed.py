"""Time and peak memory of fit_resample for every dgm_resample sampler against SMOTENC.

Table: N rows x 20 columns (15 numeric, 5 categorical with 3 to 11 levels),
5% minority, class-dependent columns. Every (sampler, rows) cell runs in a
fresh Python process, so its peak resident memory (RSS) is its own; the table
is built inside that process and its RSS before the fit is reported too.

    python benchmarks/bench_speed.py                       # 10,000 rows, every sampler
    python benchmarks/bench_speed.py --rows 10000,100000,1000000 --float32 \\
        --plot scaling.png --csv scaling.csv
    python benchmarks/bench_speed.py --threads 2           # two torch / BLAS threads
    python benchmarks/bench_speed.py --throughput 1000000  # rows/s of sample() after fit
    python benchmarks/bench_speed.py --stages --rows 10000 # time per stage of fit_resample
    python benchmarks/bench_speed.py --samplers DiffusionOverSampler --params '{"max_steps": 500}'
    python benchmarks/bench_speed.py --floor --threads 1   # matrix-product time of a fit
    python benchmarks/bench_speed.py --busy 1              # one core kept busy meanwhile

``--stages`` breaks ``fit_resample`` into encoding, neighbour index, training,
generation, neighbour filter, decoding and DataFrame assembly (cProfile,
cumulative time of the functions that do each).

``--busy N`` starts N processes that each keep one core busy (a pure Python
loop, as a second cross-validation worker, a notebook or a browser would) for
the whole run, so that the times are those of a loaded machine; run the same
command without it for the quiet times.

``--floor`` fits each sampler once more under the torch profiler and reports
the time its matrix products took (``matmul_s``, the sum of their own CPU
time) and how many torch operations it ran (``torch_ops``): an implementation
of the same models, step budget and batch size in which everything but the
matrix products cost nothing would still take ``matmul_s``, so
``floor_x_smotenc`` is the best ratio to SMOTENC that the defaults allow.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd


def make_table(n_rows=10_000, n_numeric=15, n_categorical=5, minority=0.05, seed=0, float32=False):
    """A mixed table with class-dependent numeric and categorical columns."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n_rows) < minority).astype(int)
    data = {}
    dtype = np.float32 if float32 else np.float64
    for j in range(n_numeric):
        shift = 0.8 * y if j % 3 == 0 else 0.0
        base = rng.gamma(2.0, size=n_rows) if j % 2 else rng.normal(size=n_rows)
        data[f"num{j}"] = (base + shift).astype(dtype)
    for j in range(n_categorical):
        levels = np.array([f"c{k}" for k in range(3 + 2 * j)])
        probs = rng.dirichlet(np.ones(len(levels)))
        codes = rng.choice(len(levels), size=n_rows, p=probs)
        codes = np.where(y == 1, (codes + j) % len(levels), codes)
        data[f"cat{j}"] = pd.Categorical(levels[codes])
    return pd.DataFrame(data), y


def _peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _sampler(name, categorical, params=None):
    """SMOTENC, or a dgm_resample sampler with ``params`` (a dict) on top of its defaults."""
    if name == "SMOTENC":
        from imblearn.over_sampling import SMOTENC

        return SMOTENC(categorical_features=categorical, random_state=0)
    import dgm_resample

    device = os.environ.get("BENCH_DEVICE", "cpu")
    params = dict(params or {})
    threads = int(os.environ.get("BENCH_TORCH_THREADS", "0"))
    if threads:  # --threads N sets the samplers' n_threads too (--params may override it)
        params = {"n_threads": threads, **params}
    return getattr(dgm_resample, name)(random_state=0, device=device, **params)


#: functions whose cumulative time makes up each stage of ``fit_resample``
STAGES = {
    "encoding": [("_encoding.py", "fit"), ("_encoding.py", "transform")],
    "neighbour index": [("_filter.py", "fit")],
    "training": [("_training.py", "fit_loop")],
    "generation": [("_base.py", "_draw_finite")],
    "neighbour filter": [("_filter.py", "own_class_counts")],
    "decoding": [("_encoding.py", "inverse_transform")],
    "assembly": [("_base.py", "_append")],
}


def _stage_times(profile):
    import pstats

    stats = pstats.Stats(profile).stats
    out = {}
    for stage, functions in STAGES.items():
        total = 0.0
        for (filename, _, function), (_, _, _, cumulative, _) in stats.items():
            if any(filename.endswith(f) and function == fn for f, fn in functions):
                total += cumulative
        out[stage] = total
    return out


#: torch operators that do the matrix products of a fit (their own time, no children)
MATMUL_OPS = frozenset(
    {"aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "aten::mv", "aten::addmv"}
)


def _matmul_floor(fit):
    """Run ``fit()`` under the torch profiler: (seconds in matrix products, torch ops run)."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        fit()
    events = prof.key_averages()
    matmul_us = sum(e.self_cpu_time_total for e in events if e.key in MATMUL_OPS)
    n_ops = sum(e.count for e in events if e.key.startswith("aten::"))
    return matmul_us / 1e6, int(n_ops)


def run_cell(name, n_rows, float32, repeats, throughput, stages, params=None, floor=False):
    """Fit one sampler in this process; returns a dict of measurements."""
    X, y = make_table(n_rows=n_rows, float32=float32)
    categorical = [c for c in X.columns if c.startswith("cat")]
    # warm up on 500 rows: one-time imports (torch.optim pulls in torch._dynamo,
    # seconds on a slow machine) are not part of a fit's cost
    warm = _sampler(name, categorical, params)
    warm.set_params(**({} if name == "SMOTENC" else {"max_steps": 2})).fit_resample(
        X[:500], y[:500]
    )
    record = {"sampler": name, "rows": n_rows, "rss_table_mb": _peak_rss_mb()}
    times = []
    for _ in range(repeats):
        sampler = _sampler(name, categorical, params)
        if stages and name != "SMOTENC":
            import cProfile

            profile = cProfile.Profile()
            start = time.perf_counter()
            profile.runcall(sampler.fit_resample, X, y)
            times.append(time.perf_counter() - start)
            record["stages"] = _stage_times(profile)
        else:
            start = time.perf_counter()
            X_res, _ = sampler.fit_resample(X, y)
            times.append(time.perf_counter() - start)
            assert len(X_res) > len(X)
            del X_res
    record["seconds"] = min(times)
    record["n_synthetic"] = int((y == 0).sum() - (y == 1).sum())
    if throughput and name != "SMOTENC":
        start = time.perf_counter()
        rows = sampler.sample(throughput, 1, random_state=0)
        seconds = time.perf_counter() - start
        assert len(rows) == throughput
        record["sample_rows_per_s"] = throughput / seconds
    record["peak_rss_mb"] = _peak_rss_mb()
    if floor and name != "SMOTENC":  # after the peak: the profiler's records take memory
        again = _sampler(name, categorical, params)
        record["matmul_s"], record["torch_ops"] = _matmul_floor(lambda: again.fit_resample(X, y))
    return record


def _in_fresh_process(args, name, n_rows):
    command = [
        sys.executable,
        os.path.abspath(__file__),
        "--cell",
        name,
        "--rows",
        str(n_rows),
        "--repeats",
        str(args.repeats),
        "--throughput",
        str(args.throughput),
        "--params",
        args.params,
    ]
    command += ["--float32"] * args.float32 + ["--stages"] * args.stages + ["--floor"] * args.floor
    env = dict(os.environ)
    if args.threads:
        env.update({k: str(args.threads) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")})
        env["BENCH_TORCH_THREADS"] = str(args.threads)
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["(no output)"]
        return {"sampler": name, "rows": n_rows, "error": tail[0]}
    return json.loads(done.stdout.strip().splitlines()[-1])


#: a process that keeps one core busy until it is killed
_SPIN = "while True:\n    pass"


class busy_cores:
    """Keep ``n`` cores busy (one spinning Python process each) inside the block."""

    def __init__(self, n):
        self.n, self.processes = n, []

    def __enter__(self):
        self.processes = [subprocess.Popen([sys.executable, "-c", _SPIN]) for _ in range(self.n)]
        if self.n:
            time.sleep(1.0)  # let them reach their loop
        return self

    def __exit__(self, *exc):
        for process in self.processes:
            process.kill()
        for process in self.processes:
            process.wait()


def _plot(table, path):
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for name, part in table.groupby("sampler", sort=False):
        part = part.sort_values("rows")
        style = dict(marker="o", lw=2.5 if name == "SMOTENC" else 1.2)
        axes[0].plot(part["rows"], part["seconds"], label=name, **style)
        axes[1].plot(part["rows"], part["peak_rss_mb"] / 1024, label=name, **style)
    rows = np.array(sorted(table["rows"].unique()), dtype=float)
    if len(rows) > 1:  # a line of slope one through SMOTENC's first point: linear growth
        first = table[(table.sampler == "SMOTENC") & (table.rows == rows[0])]["seconds"]
        if len(first):
            axes[0].plot(rows, float(first.iloc[0]) * rows / rows[0], "k:", label="linear")
    for ax, label in zip(axes, ["fit_resample time [s]", "peak RSS [GiB]"]):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("rows")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3, which="both")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--samplers", default="", help="comma-separated sampler class names")
    parser.add_argument("--rows", default="10000", help="comma-separated table sizes")
    parser.add_argument("--repeats", type=int, default=1, help="best of this many fits")
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="torch / BLAS threads, and the samplers' n_threads (0: their defaults)",
    )
    parser.add_argument("--float32", action="store_true", help="float32 numeric columns")
    parser.add_argument(
        "--throughput", type=int, default=0, help="also time sample() of this many rows after fit"
    )
    parser.add_argument("--stages", action="store_true", help="time per stage (cProfile)")
    parser.add_argument(
        "--floor", action="store_true", help="matrix-product time of a fit (torch profiler)"
    )
    parser.add_argument(
        "--params", default="{}", help="JSON parameters of every dgm sampler (not SMOTENC)"
    )
    parser.add_argument(
        "--busy", type=int, default=0, help="keep this many cores busy while timing"
    )
    parser.add_argument("--no-smotenc", action="store_true", help="skip the SMOTENC reference")
    parser.add_argument("--csv", default="", help="write the table here")
    parser.add_argument("--plot", default="", help="log-log plot of time and memory")
    parser.add_argument("--cell", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.cell:
        threads = int(os.environ.get("BENCH_TORCH_THREADS", "0"))
        if threads:
            import torch

            torch.set_num_threads(threads)
        record = run_cell(
            args.cell,
            int(args.rows),
            args.float32,
            args.repeats,
            args.throughput,
            args.stages,
            json.loads(args.params),
            args.floor,
        )
        print(json.dumps(record))
        return

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from _common import dgm_samplers, select

    names = ([] if args.no_smotenc else ["SMOTENC"]) + list(select(args.samplers, dgm_samplers()))
    sizes = [int(r) for r in args.rows.split(",")]
    print(
        f"tables: {sizes} rows x 20 (5 categorical), minority 5%, "
        f"{'float32' if args.float32 else 'float64'} numbers; threads "
        f"{args.threads or 'default'}, cpus {os.cpu_count()}, busy cores {args.busy}; "
        "one fresh process per cell",
        flush=True,
    )
    records = []
    with busy_cores(args.busy):
        for n_rows in sizes:
            for name in names:
                record = _in_fresh_process(args, name, n_rows)
                records.append(record)
                shown = {k: v for k, v in record.items() if k != "stages"}
                print(json.dumps(shown), flush=True)
    table = pd.DataFrame(records)
    if "seconds" in table:
        reference = table[table.sampler == "SMOTENC"].set_index("rows")["seconds"]
        table["x_smotenc"] = table["seconds"] / table["rows"].map(reference)
        if "matmul_s" in table:
            table["floor_x_smotenc"] = table["matmul_s"] / table["rows"].map(reference)
    columns = [
        c
        for c in [
            "sampler",
            "rows",
            "seconds",
            "x_smotenc",
            "matmul_s",
            "floor_x_smotenc",
            "torch_ops",
            "peak_rss_mb",
            "rss_table_mb",
            "sample_rows_per_s",
            "error",
        ]
        if c in table
    ]
    pd.set_option("display.width", 200)
    print()
    print(table[columns].round(2).to_string(index=False))
    if args.stages and "stages" in table:
        stages = pd.DataFrame(
            [
                dict(sampler=r["sampler"], rows=r["rows"], **r["stages"])
                for r in records
                if "stages" in r
            ]
        )
        print("\nseconds per stage of fit_resample (cProfile, cumulative):")
        print(stages.round(2).to_string(index=False))
    if args.csv:
        table.drop(columns=["stages"], errors="ignore").to_csv(args.csv, index=False)
    if args.plot and "seconds" in table:
        _plot(table.dropna(subset=["seconds"]), args.plot)


if __name__ == "__main__":
    main()
