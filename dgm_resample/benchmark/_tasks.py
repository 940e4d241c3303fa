"""The grid of cells (dataset x strategy x repeat x fold) as typed tasks."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ._config import digest, threshold_variants
from ._grid import SamplerSpec, _canonical, known_strategies, slug


@dataclass(frozen=True)
class Task:
    """One cell of the grid: a sampler on one fold of one dataset.

    Attributes
    ----------
    dataset : Dataset
    sampler : SamplerSpec
    repeat, fold : int
    n_splits, n_repeats : int
        The repeated stratified k-fold protocol.
    seed : int
        Seed of the folds.
    fit_seed : int or None
        ``random_state`` of samplers and classifiers; ``None`` derives one per fold.
    classifiers : tuple of str
    thresholds : tuple of str
        Threshold variants among ``"default"``, ``"tuned"`` and ``"calibrated"``.
    threshold_metric : str
        Scorer the tuned threshold maximizes.
    threshold_cv : int
        Inner folds of the threshold tuning and of the calibrated variant.
    calibration_params : tuple
        ``ResampledClassifierCV`` parameters of the calibrated variant, as sorted items.
    fidelity : bool
    key : str
        File name of the finished cell.
    """

    dataset: Any
    sampler: SamplerSpec
    repeat: int
    fold: int
    n_splits: int
    n_repeats: int
    seed: int
    fit_seed: int | None
    classifiers: tuple
    thresholds: tuple
    threshold_metric: str
    threshold_cv: int
    fidelity: bool
    calibration_params: tuple = ()
    key: str = ""

    @property
    def random_state(self):
        """The seed of this cell's samplers and classifiers."""
        if self.fit_seed is not None:
            return int(self.fit_seed)
        return cell_seed(self.seed, self.repeat, self.fold)


def cell_seed(seed, repeat, fold):
    """The seed of the samplers and classifiers of one fold."""
    return int(np.random.SeedSequence([int(seed), repeat, fold]).generate_state(1)[0] >> 1)


def cell_key(dataset, spec, repeat, fold, fingerprint, thresholds=("default",)):
    """The file name of a finished cell.

    Parameters
    ----------
    dataset : Dataset
        Its name and content digest enter the key.
    spec : SamplerSpec
    repeat, fold : int
    fingerprint : str
        :func:`dgm_resample.benchmark._config.fingerprint` of the run.
    thresholds : tuple
        The cell's thresholds, with the tuning metric and folds when tuned.
    """
    sampler = asdict(spec)
    if not sampler["package"]:  # keys of the strategies without a package stay as they were
        del sampler["package"]
    value = [dataset.name, dataset.digest, sampler, repeat, fold, fingerprint, thresholds]
    return f"{slug(dataset.name)}__{slug(spec.name)}__r{repeat}f{fold}__{digest(value)[:10]}.json"


def _cell_thresholds(config, spec):
    tuned_names = config.tuned_samplers
    if tuned_names is not None and tuned_names != "all":
        available = known_strategies()
        tuned_names = {_canonical(n, available) for n in tuned_names}
        tunes = spec.name in tuned_names
    else:
        tunes = True
    variants = threshold_variants(config.threshold)
    if not tunes:
        return ("default",)
    return variants


def make_tasks(config, datasets, samplers, fingerprint):
    """Every cell of the grid (dataset x sampler x repeat x fold), in order.

    Returns
    -------
    list of Task
    """
    settings = {}
    for spec in samplers:
        thresholds = _cell_thresholds(config, spec)
        tuning = ()
        if "tuned" in thresholds or "calibrated" in thresholds:
            tuning = (config.threshold_metric, config.threshold_cv)
        if "calibrated" in thresholds:
            tuning += (sorted((config.calibration_params or {}).items()),)
        settings[spec.name] = (thresholds, (*thresholds, *tuning))
    tasks = []
    for dataset in datasets:
        for spec in samplers:
            thresholds, identity = settings[spec.name]
            for repeat in range(config.n_repeats):
                for fold in range(config.n_splits):
                    tasks.append(
                        Task(
                            dataset=dataset,
                            sampler=spec,
                            repeat=repeat,
                            fold=fold,
                            n_splits=config.n_splits,
                            n_repeats=config.n_repeats,
                            seed=config.seed,
                            fit_seed=config.fit_seed,
                            classifiers=tuple(config.classifiers),
                            thresholds=thresholds,
                            threshold_metric=config.threshold_metric,
                            threshold_cv=config.threshold_cv,
                            fidelity=bool(config.fidelity),
                            calibration_params=tuple(
                                sorted((config.calibration_params or {}).items())
                            ),
                            key=cell_key(dataset, spec, repeat, fold, fingerprint, identity),
                        )
                    )
    return tasks
