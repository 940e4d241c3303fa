"""Time of one training step of each sampler's model, eager or compiled.

The model is built and initialized by ``fit_resample`` (one step), on the
10,000-row table of ``bench_speed.py`` (with its defaults unless ``--params``
says otherwise), then trained for a few warm-up steps and timed: best of three
runs of ``--steps`` steps, for every batch size of ``--batch-sizes``. With
``--compile`` the model's loss goes through ``torch.compile`` first and the
time of its first step (the compilation) is reported too; the GAN's step does
not call its loss and stays eager.

Every record also gives ``aten_calls``: the torch operators one step runs
(forward, backward, gradient clipping and the optimizer; every ``aten::`` call
the torch profiler records, nested ones included), counted over ``--steps``
steps after the timing. Outside the matrix products a step's time is mostly
the dispatch of these calls (``docs/dev/speed.md``).

    python benchmarks/bench_step.py --threads 1
    python benchmarks/bench_step.py --samplers VAEOverSampler --batch-sizes 64,256,1024
    python benchmarks/bench_step.py --samplers VAEOverSampler --compile
    python benchmarks/bench_step.py --threads 1 --top 15   # the most frequent calls too

A step's time is what the step budget multiplies (``max_steps`` steps per
fit); ``docs/dev/speed.md`` reads these numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time


def _model(name, params, X, y):
    """The sampler, its model and the encoded rows with their class indices.

    ``fit_resample`` itself builds and initializes the model (one training
    step, no new rows), so the step timed is the one a fit runs.
    """
    import numpy as np
    import torch

    import dgm_resample

    sampler = getattr(dgm_resample, name)(random_state=0, **params)
    own_counts = dict(zip(*np.unique(y, return_counts=True)))
    sampler.set_params(max_steps=1, sampling_strategy=own_counts).fit_resample(X, y)
    x = torch.as_tensor(sampler.encoder_.transform(X))
    codes = torch.as_tensor(np.searchsorted(sampler.classes_, y), dtype=torch.long)
    return sampler, sampler.models_[sampler.classes_[0]], x, codes


def count_calls(run, n_steps):
    """``aten::`` calls per step of ``run(n_steps)`` and a Counter of them by name."""
    from collections import Counter

    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        run(n_steps)
    counts = Counter({e.key: e.count for e in prof.key_averages() if e.key.startswith("aten::")})
    return sum(counts.values()) / n_steps, counts


def time_steps(name, batch_size, n_steps=30, compile=False, params=None, n_rows=10_000, top=0):
    """Milliseconds per training step of ``name``'s model (best of three runs), the
    seconds of its first step (with ``compile``, the compilation) and the aten calls
    per step (with ``top``, the ``top`` most frequent of them too)."""
    import torch
    from bench_speed import make_table

    from dgm_resample._training import BalancedBatches, make_generator, run_epoch
    from dgm_resample.nn import TabularModel

    X, y = make_table(n_rows=n_rows)
    sampler, model, x, codes = _model(name, params or {}, X, y)
    generator = make_generator(1, "cpu")
    batches = BalancedBatches(codes, batch_size, generator)
    optimizers = model.configure_optimizers(sampler.learning_rate)
    # the GAN's own train_step does not call loss(): nothing to compile there
    compile = compile and type(model).train_step is TabularModel.train_step
    if compile:
        model.loss = torch.compile(model.loss)
    model.train()

    def run(steps):  # as a fit runs them: batches drawn in groups, one loss read at the end
        run_epoch(model, x, codes, batches, optimizers, steps, generator)

    start = time.perf_counter()
    run(1)
    first = time.perf_counter() - start
    run(5)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        run(n_steps)
        best = min(best, (time.perf_counter() - start) / n_steps)
    calls, counts = count_calls(run, n_steps)
    record = {
        "sampler": name,
        "batch_size": batch_size,
        "compiled": compile,
        "step_ms": 1e3 * best,
        "first_step_s": first,
        "aten_calls": calls,
    }
    if top:
        record["top_calls"] = {k: round(v / n_steps, 1) for k, v in counts.most_common(top)}
    return record


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--samplers", default="", help="comma-separated sampler class names")
    parser.add_argument("--batch-sizes", default="256", help="comma-separated batch sizes")
    parser.add_argument("--steps", type=int, default=30, help="steps per timed run")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    parser.add_argument("--compile", action="store_true", help="torch.compile the loss")
    parser.add_argument("--params", default="{}", help="JSON parameters of every sampler")
    parser.add_argument(
        "--top", type=int, default=0, help="also list the N most frequent aten calls per step"
    )
    args = parser.parse_args(argv)

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import torch
    from _common import dgm_samplers, select

    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"threads {torch.get_num_threads()}, 10,000-row table of bench_speed.py", flush=True)
    params = json.loads(args.params)
    for name in select(args.samplers, dgm_samplers()):
        for batch_size in [int(b) for b in args.batch_sizes.split(",")]:
            record = time_steps(name, batch_size, args.steps, args.compile, params, top=args.top)
            print(
                json.dumps(
                    {k: round(v, 2) if isinstance(v, float) else v for k, v in record.items()}
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
