"""A screening variant of the autoregressive sampler: a likelihood filter instead of neighbours.

Not part of the package: it exists so that the screen in ``docs/dev/recommended-sampler.md``
("A likelihood filter for the autoregressive sampler") can be rerun. Issue 19
suggested judging a generated row by the model's own class likelihoods, which
needs no neighbour search. ``ARPosteriorFilter`` keeps a generated row of class
c when the model's posterior of c, under the class shares of the training
table,

    p(c | x) = pi_c p(x | c) / sum_k pi_k p(x | k),

is at least ``filter_min_share``: the quantity that the neighbour filter
estimates from the classes of the ``filter_neighbors`` nearest real rows.
Everything else (redrawing, filling up with the best rejected rows)
is the neighbour filter's loop; ``filter_neighbors`` only switches the filter
on. With ``temper`` below 1 the log-likelihoods are scaled by it before the
posterior is formed (a softer posterior: density models are overconfident in
many dimensions).

    PYTHONPATH=benchmarks dgm-resample benchmark \\
        --config benchmarks/configs/likelihood-screen-mixed.yaml --fit-seed 0 \\
        --output bench-likelihood-screen/seed0

Run as a script, it times the two filters on ``bench_speed.py``'s mixed table:
one fit, then the minority rows drawn without a filter, with the neighbour
filter and with the posterior filter, from the same fitted model:

    python benchmarks/likelihood_screen.py --rows 1000000
"""

from __future__ import annotations

import argparse
import numbers
import time

import numpy as np
import torch
from sklearn.utils._param_validation import Interval

from dgm_resample import AutoregressiveOverSampler
from dgm_resample._filter import ClassNeighbors


class _PosteriorJudge(ClassNeighbors):
    """The neighbour filter's loop with the model's class posterior as the judge."""

    def __init__(self, sampler, model, device):
        self.sampler, self.model, self.device = sampler, model, device

    def own_class_counts(self, Z, code, n_neighbors):
        sampler = self.sampler
        x = torch.as_tensor(Z, device=self.device)
        with torch.no_grad():
            log_like = torch.stack(
                [
                    self.model.log_prob(x, sampler._condition(label, len(Z), self.device))
                    for label in sampler.classes_
                ],
                dim=1,
            ).double()
        scores = sampler.temper * log_like.cpu().numpy() + sampler.class_log_prior_
        scores -= scores.max(axis=1, keepdims=True)
        posterior = np.exp(scores)
        return posterior[:, code] / posterior.sum(axis=1)

    def required_count(self, n_neighbors, min_share):
        return min_share


class ARPosteriorFilter(AutoregressiveOverSampler):
    """The autoregressive sampler with the class-posterior filter (screening only).

    One model for all classes (``conditioning="joint"``, the default), so every
    class's likelihood is at hand; the parameters not in the signature keep the
    defaults of :class:`~dgm_resample.AutoregressiveOverSampler`.

    Parameters
    ----------
    temper : float, default=1.0
        Scale (in (0, 1]) of the log-likelihoods in the posterior.

    Attributes
    ----------
    acceptance_ : dict
        Share of the drawn rows that met the rule, per generated class (last fit).
    """

    _parameter_constraints: dict = {
        **AutoregressiveOverSampler._parameter_constraints,
        "temper": [Interval(numbers.Real, 0, 1, closed="right")],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        n_threads=None,
        max_steps=1000,
        filter_neighbors=10,
        filter_min_share=0.2,
        temper=1.0,
    ):
        super().__init__(
            sampling_strategy=sampling_strategy,
            random_state=random_state,
            n_threads=n_threads,
            max_steps=max_steps,
            filter_neighbors=filter_neighbors,
            filter_min_share=filter_min_share,
        )
        self.temper = temper

    def _fit_resample(self, X, y):
        counts = np.unique(y, return_counts=True)[1]
        self.class_log_prior_ = np.log(counts / counts.sum())
        self.acceptance_ = {}
        return super()._fit_resample(X, y)

    def _filter_rows(self, model, label, out, device, generator):
        judge = _PosteriorJudge(self, model, device)
        code = int(np.searchsorted(self.classes_, label))
        kept, n_accepted, n_drawn = judge.filter(
            out,
            code,
            lambda size: self._draw_finite(model, label, size, device, generator),
            self.filter_neighbors,
            self.filter_min_share,
        )
        self.acceptance_[label] = n_accepted / n_drawn
        return kept


def time_filters(n_rows, n_threads):
    """Seconds to draw the minority rows of a fitted table: no filter, neighbours, posterior."""
    from bench_speed import make_table

    X, y = make_table(n_rows)
    sampler = ARPosteriorFilter(random_state=0, n_threads=n_threads, filter_neighbors=None)
    sampler.fit_resample(X, y)
    n_new = sampler.sampling_strategy_[1]
    seconds = {}
    for name, cls, neighbors in [
        ("no filter", ARPosteriorFilter, None),
        ("neighbour filter", AutoregressiveOverSampler, 10),
        ("posterior filter", ARPosteriorFilter, 10),
    ]:
        sampler.__class__ = cls  # the same fitted model under each filter
        sampler.set_params(filter_neighbors=neighbors)
        start = time.perf_counter()
        sampler.sample(n_new, 1, random_state=1)
        seconds[name] = time.perf_counter() - start
    return n_new, seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the table")
    parser.add_argument("--threads", type=int, default=2, help="torch threads")
    args = parser.parse_args(argv)
    n_new, seconds = time_filters(args.rows, args.threads)
    print(f"{args.rows} rows, {n_new} minority rows drawn, {args.threads} threads")
    for name, value in seconds.items():
        print(f"{name}: {value:.1f} s")


if __name__ == "__main__":
    main()
