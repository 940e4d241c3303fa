"""The one training loop shared by every model family.

``fit_loop`` runs epochs until the step budget is spent or the validation score
stops improving; ``run_epoch`` draws class-balanced minibatches and calls the
model's ``train_step``. Every random draw comes from the ``torch.Generator``
handed in, so a fit is reproducible without touching global random state.
"""

from __future__ import annotations

import contextlib
import copy
import math
import time
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

#: validation rows scored per class (bounds the cost of early stopping)
MAX_VALID_PER_CLASS = 2048


@dataclass
class TrainConfig:
    """Settings of one training run (taken from the sampler's parameters).

    ``patience`` epochs without improvement of the validation score stop the
    run (``None``: never); ``verbose`` (true, false or ``"auto"``, see
    :class:`Progress`) shows a progress bar labelled ``description``.
    """

    max_steps: int
    batch_size: int
    learning_rate: float
    patience: int | None
    verbose: bool | str
    description: str


def resolve_device(device):
    """Map ``"auto"`` / ``"cpu"`` / ``"cuda[:k]"`` to a ``torch.device``."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    resolved = torch.device(device)
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but CUDA is not available.")
    return resolved


@contextlib.contextmanager
def torch_threads(n_threads):
    """Use ``n_threads`` intra-op threads inside the block, then restore the user's."""
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


#: with ``verbose="auto"``, work projected to take longer than this many seconds
#: shows a progress bar (from the moment the projection says so)
AUTO_PROGRESS_SECONDS = 10.0


class Progress:
    """A progress bar over ``total`` units of work, shown according to ``verbose``.

    ``verbose`` true (or a positive integer): shown from the start; false or 0:
    never; ``"auto"``: shown once the work done so far projects a total time
    above :data:`AUTO_PROGRESS_SECONDS` (elapsed time times total over done),
    so that short fits stay silent and long ones say what they are doing.
    """

    def __init__(self, total, description, verbose, unit="step"):
        self.total, self.description, self.unit = total, description, unit
        self.auto = isinstance(verbose, str) and verbose == "auto"
        self.done, self.start, self.bar = 0, time.perf_counter(), None
        if not self.auto and verbose:
            self._open()

    def _open(self):
        self.bar = tqdm(total=self.total, initial=self.done, desc=self.description, unit=self.unit)

    def update(self, n, losses=None):
        """Record ``n`` more units of work done (and show ``losses``, a dict, on the bar)."""
        self.done += n
        if self.bar is None and self.auto and 0 < self.done < self.total:
            elapsed = time.perf_counter() - self.start
            if elapsed * self.total / self.done > AUTO_PROGRESS_SECONDS:
                self._open()
        elif self.bar is not None:
            self.bar.update(n)
        if self.bar is not None and losses:
            self.bar.set_postfix({k: f"{v:.3f}" for k, v in losses.items()})

    def close(self):
        if self.bar is not None:
            self.bar.close()


def make_generator(seed, device):
    """A local ``torch.Generator`` on ``device`` seeded with ``seed``."""
    generator = torch.Generator(device=device)
    generator.manual_seed(int(seed))
    return generator


def split_validation(cond, fraction, rng, min_class_rows=10):
    """Per-class hold-out split of row indices.

    Classes with fewer than ``min_class_rows`` rows stay entirely in training.
    Returns ``(train_idx, valid_idx)`` as sorted integer arrays.
    """
    if not fraction:
        return np.arange(len(cond)), np.array([], dtype=int)
    valid = []
    for label in np.unique(cond):
        rows = np.flatnonzero(cond == label)
        n_valid = int(math.floor(fraction * len(rows))) if len(rows) >= min_class_rows else 0
        if n_valid:
            valid.append(rng.choice(rows, size=n_valid, replace=False))
    valid = np.sort(np.concatenate(valid)) if valid else np.array([], dtype=int)
    return np.setdiff1d(np.arange(len(cond)), valid), valid


class BalancedBatches:
    """Draw minibatches in which every class is equally likely.

    Rows are drawn with replacement: pick a class uniformly, then a row of that
    class uniformly, so the smallest class is seen as often as the largest.
    Calling it with ``n_batches`` draws that many batches at once (a few
    operations for all of them instead of a few per batch).
    """

    def __init__(self, cond, batch_size, generator):
        self.batch_size, self.generator = batch_size, generator
        order = torch.argsort(cond, stable=True)
        labels, counts = torch.unique_consecutive(cond[order], return_counts=True)
        self.order = order
        self.offsets = torch.cumsum(counts, 0) - counts
        self.counts = counts.to(torch.get_default_dtype())
        self.last = counts - 1
        self.n_groups = len(labels)

    def __call__(self, n_batches=None):
        """Row indices of one batch ``(batch_size,)``, or of ``n_batches`` of them."""
        device = self.order.device
        shape = (self.batch_size,) if n_batches is None else (n_batches, self.batch_size)
        group = torch.randint(self.n_groups, shape, generator=self.generator, device=device)
        u = torch.rand(shape, generator=self.generator, device=device)
        within = torch.minimum((u * self.counts[group]).long(), self.last[group])
        return self.order[self.offsets[group] + within]


#: minibatches drawn at once by :func:`run_epoch` (bounds the memory of the draws)
BATCHES_PER_DRAW = 32


def run_epoch(model, x, cond, batches, optimizers, n_steps, generator):
    """Run ``n_steps`` updates and return the mean training loss."""
    model.train()
    losses = []
    for start in range(0, n_steps, BATCHES_PER_DRAW):
        for rows in batches(min(BATCHES_PER_DRAW, n_steps - start)):
            losses.append(model.train_step(x[rows], cond[rows], optimizers, generator))
    return float(torch.stack(losses).sum()) / n_steps


def evaluate(model, x, cond, seed):
    """Class-balanced validation score (mean over classes of the model's score).

    The same ``seed`` is used at every epoch so that scores of stochastic
    objectives are comparable across epochs.
    """
    model.eval()
    generator = make_generator(seed, x.device)
    scores = []
    for label in torch.unique(cond):
        rows = torch.nonzero(cond == label).squeeze(1)[:MAX_VALID_PER_CLASS]
        scores.append(float(model.validation_loss(x[rows], cond[rows], generator)))
    return float(np.mean(scores))


def epoch_length(n_rows, config):
    """Steps per epoch: one pass over the rows, kept between 1/50 and 1/10 of the budget."""
    one_pass = math.ceil(n_rows / config.batch_size)
    low = max(1, config.max_steps // 50)
    high = max(1, config.max_steps // 10)
    return int(min(max(one_pass, low), high))


def fit_loop(model, x, cond, x_valid, cond_valid, config, generator, valid_seed):
    """Train ``model`` within the step budget; keep the best validated weights.

    Parameters
    ----------
    model : TabularModel
        On the device of the tensors.
    x, cond : Tensor
        Encoded training rows and their class indices.
    x_valid, cond_valid : Tensor or None
        Held-out rows for early stopping (``None`` or empty: no early stopping).
    config : TrainConfig
    generator : torch.Generator
        Source of every random draw of the training run.
    valid_seed : int
        Seed of the fixed noise used when scoring validation rows.

    Returns
    -------
    history : list of dict
        One record per epoch: epoch, step, train_loss, valid_loss, time.
    """
    batches = BalancedBatches(cond, config.batch_size, generator)
    optimizers = model.configure_optimizers(config.learning_rate)
    try:
        history = _train(
            model, x, cond, x_valid, cond_valid, config, generator, valid_seed, batches, optimizers
        )
    finally:
        for optimizer in optimizers:
            optimizer.release()
    model.eval()
    return history


def _train(model, x, cond, x_valid, cond_valid, config, generator, valid_seed, batches, optimizers):
    """The epochs of :func:`fit_loop`; leaves the best validated weights in ``model``."""
    steps_per_epoch = epoch_length(len(x), config)
    n_epochs = math.ceil(config.max_steps / steps_per_epoch)
    use_valid = x_valid is not None and len(x_valid) > 0
    best_score, best_state, bad_epochs, step = math.inf, None, 0, 0
    history, start = [], time.perf_counter()
    progress = Progress(config.max_steps, config.description, config.verbose, unit="step")
    try:
        for epoch in range(n_epochs):
            n_steps = min(steps_per_epoch, config.max_steps - step)
            train_loss = run_epoch(model, x, cond, batches, optimizers, n_steps, generator)
            step += n_steps
            record = {"epoch": epoch, "step": step, "train_loss": train_loss}
            if not math.isfinite(train_loss):
                if best_state is None:
                    raise FloatingPointError(
                        f"Training diverged (non-finite loss at step {step}); try a smaller "
                        "learning_rate."
                    )
                break
            if use_valid:
                record["valid_loss"] = evaluate(model, x_valid, cond_valid, valid_seed)
            record["time"] = time.perf_counter() - start
            history.append(record)
            progress.update(n_steps, {k: v for k, v in record.items() if k.endswith("loss")})
            if not use_valid:
                continue
            score = record["valid_loss"]
            threshold = best_score - 1e-4 * abs(best_score) if best_state is not None else math.inf
            if math.isfinite(score) and score < threshold:
                best_score, bad_epochs = score, 0
                best_state = copy.deepcopy(model.state_dict())
            else:
                bad_epochs += 1
                if config.patience is not None and bad_epochs >= config.patience:
                    break
    finally:
        progress.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    return history
