"""GANOverSampler: over-sampling with a class-conditional WGAN-GP."""

from __future__ import annotations

import numbers

from imblearn.utils import Substitution
from sklearn.utils._param_validation import Interval

from ._base import BaseDGMOverSampler
from ._constraints import Integer, LayerSizes
from ._docstrings import _shared_docs
from .nn.gan import ConditionalWGAN


@Substitution(**_shared_docs)
class GANOverSampler(BaseDGMOverSampler):
    """Over-sample with a class-conditional Wasserstein GAN (gradient penalty).

    One generator and one critic are trained on all rows
    (``conditioning="joint"``) with the class label (one-hot) fed to both and
    class-balanced minibatches. The generator's output layer follows the
    encoded columns: numeric values through a scaled tanh bounded to the
    quantile-normal range, binary and categorical columns through Gumbel-softmax
    relaxations while training and exact draws (0/1, one-hot) when sampling. The
    critic scores packs of ``pac`` rows of one class (PacGAN; the minibatch is
    ordered by class before packing) and is trained with the WGAN-GP
    objective (``n_critic`` critic updates per generator update, Adam with betas
    (0.5, 0.9)). As conditional signal an auxiliary classifier is trained on real
    rows and the generator pays its cross-entropy for the requested label
    (``aux_weight``), so generated rows carry the structure of their own class.
    The generator also pays ``mmd_weight`` times a kernel maximum mean
    discrepancy between the rows it generated for each class of the minibatch
    and the real rows of that class: a direct, stable pull towards each
    class's distribution that the short step budget needs (without it the
    generated rows lay far from the real rows and the G-mean stayed well
    behind SMOTE's).

    Rows are generated from an exponential moving average of the generator
    weights (``ema_decay``). By default the whole step budget is trained and the
    averaged weights are kept. GAN losses do not track sample quality, so with a
    ``validation_fraction`` the kept weights (and early stopping) use a held-out
    score instead: per class, the squared maximum mean discrepancy (sum of RBF
    kernels, bandwidth from the median distance of the real rows) between
    held-out real rows and as many rows generated for that class, averaged over
    classes.

    The defaults were chosen on the package's benchmarks (``docs/gan.md``): the
    fit of ``benchmarks/bench_speed.py`` (10,000 x 20 table) and the downstream
    ranks of ``benchmarks/bench_quality.py`` (10 datasets, 5-fold, LR, kNN, DT)
    against SMOTE.

    Parameters
    ----------
    {parameters_head}
    max_steps : int, default=450
        Budget of generator updates (each preceded by ``n_critic`` critic
        updates); the training cost does not grow with the rows. With the MMD
        term 450 updates ranked better than 300 (``docs/gan.md``); the default
        fit of the speed benchmark takes 6.6 s on 2 cores.
    batch_size : int, default=256
        Minibatch size; rows are drawn class-balanced with replacement.
    learning_rate : float, default=1e-3
        Adam learning rate of generator and critic.
    validation_fraction : float or None, default=None
        Fraction of each class (with at least 10 rows) held out to score the
        generator with the per-class MMD; the best-scoring weights are kept.
        ``None`` or 0 trains the full budget and keeps the last (averaged)
        weights. Off by default: a minority class of 10-20 rows leaves 1-2
        held-out rows, and their noisy MMD kept an early, barely trained epoch
        (glass2, 500 updates with ``n_critic=5``: kNN G-mean 0.36 with
        validation, 0.70 without); on the quality benchmark validation did not
        improve the ranks, and it costs a scoring pass per epoch.
    patience : int or None, default=None
        Evaluations without improvement before stopping; ``None`` trains the
        whole budget (still keeping the best validated weights).
    {runtime_parameters}
    {filter_parameters}
    noise_dim : int, default=64
        Size of the generator's Gaussian noise vector.
    generator_dims : tuple of int, default=(256, 256)
        Hidden layers of the generator (LayerNorm and LeakyReLU after each).
    critic_dims : tuple of int, default=(128, 128)
        Hidden layers of the critic (LeakyReLU, no normalization). The critic's
        matrix products (three passes with the gradient penalty's double
        backward) dominate the cost; (128, 128) is about 20% cheaper per step
        than (256, 256), and the former (256, 256) critic (with ``n_critic=5``
        and 500 steps) was not clearly better downstream.
    pac : int, default=8
        Rows of one class scored together by the critic. Reduced to
        ``batch_size // 8`` (at least 1) for small batches; batches are padded
        to a multiple of it by re-drawing rows of the batch. ``pac=1`` was
        about 30% slower per step and not better on the quality benchmark
        (G-mean ranks 1.9 / 1.9 / 1.9 against 1.7 / 1.8 / 1.9 for DT / LR / kNN).
    n_critic : int, default=2
        Critic updates per generator update (they share one generator forward
        pass). Each costs about as much as the generator update; 5 (with a
        (256, 256) critic and 500 steps) needed about 4 times the time of the
        default for no clear gain in downstream ranks, and 1 (600 steps of
        128 rows) was slightly worse on G-mean.
    gp_weight : float, default=10.0
        Weight of the gradient penalty.
    aux_weight : float, default=1.0
        Weight of the auxiliary classifier's cross-entropy in the generator
        loss; 0 disables the classifier (it is never built for one class).
        3.0 ranked worse on F1 and G-mean for DT and LR and no better for kNN
        G-mean (a stronger classifier pull plausibly moves rows away from the
        class boundary, where they help the classifiers most).
    temperature : float, default=0.2
        Temperature of the Gumbel-softmax relaxations during training.
    ema_decay : float, default=0.995
        Decay of the moving average of generator weights used for sampling and
        validation; 0 uses the raw generator. With the warm-up
        ``min(decay, (1 + t) / (10 + t))`` the effective decay after 450
        updates is about 0.98, an average over roughly the last 50 updates.
    mmd_weight : float, default=10.0
        Weight of the moment-matching term of the generator loss: per class of
        the minibatch, the unbiased squared MMD (sum of RBF kernels, bandwidths
        0.25, 1 and 4 times the median squared distance between the real rows)
        between its real rows and the rows generated for it, averaged over the
        classes; 0 trains a plain WGAN-GP. Weights 1, 5, 10, 20 and 50 were
        measured; 10 with 450 updates was the setting kept (``docs/gan.md``).
    sampling_temperature : float, default=0.9
        Standard deviation of the generator's noise when sampling (training
        uses 1); below 1 the rows concentrate where the generator puts most
        mass. It only shapes generation, so it may be changed on a fitted
        sampler (``set_params``) before calling ``sample``.

    Attributes
    ----------
    {fitted_attributes}
    history_ : list of dict
        Per-epoch training records (epoch, step, train_loss: the critic's
        Wasserstein estimate, valid_loss: the MMD score when rows are held
        out, time; and class with ``conditioning="per_class"``).
    {input_attributes}

    See Also
    --------
    VAEOverSampler : Over-sampling with a class-conditional VAE.
    imblearn.over_sampling.SMOTENC : Interpolation-based over-sampling of mixed data.

    Examples
    --------
    >>> from collections import Counter
    >>> from sklearn.datasets import make_classification
    >>> from dgm_resample import GANOverSampler
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    >>> X_res, y_res = GANOverSampler(max_steps=50, random_state=0).fit_resample(X, y)
    >>> sorted(Counter(y_res.tolist()).items())
    [(0, 269), (1, 269)]
    """

    _sampling_parameters = {"sampling_temperature": "noise_scale"}

    _parameter_constraints: dict = {
        **BaseDGMOverSampler._parameter_constraints,
        "noise_dim": [Integer(1)],
        "generator_dims": [LayerSizes()],
        "critic_dims": [LayerSizes()],
        "pac": [Integer(1)],
        "n_critic": [Integer(1)],
        "gp_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "aux_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "temperature": [Interval(numbers.Real, 0, None, closed="neither")],
        "ema_decay": [Interval(numbers.Real, 0, 1, closed="left")],
        "mmd_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "sampling_temperature": [Interval(numbers.Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        categorical_features="auto",
        conditioning="joint",
        max_steps=450,
        batch_size=256,
        learning_rate=1e-3,
        validation_fraction=None,
        patience=None,
        device="auto",
        n_threads=None,
        verbose=0,
        filter_neighbors=None,
        filter_min_share=0.2,
        noise_dim=64,
        generator_dims=(256, 256),
        critic_dims=(128, 128),
        pac=8,
        n_critic=2,
        gp_weight=10.0,
        aux_weight=1.0,
        temperature=0.2,
        ema_decay=0.995,
        mmd_weight=10.0,
        sampling_temperature=0.9,
    ):
        super().__init__(
            sampling_strategy=sampling_strategy,
            random_state=random_state,
            categorical_features=categorical_features,
            conditioning=conditioning,
            max_steps=max_steps,
            batch_size=batch_size,
            learning_rate=learning_rate,
            validation_fraction=validation_fraction,
            patience=patience,
            device=device,
            n_threads=n_threads,
            verbose=verbose,
            filter_neighbors=filter_neighbors,
            filter_min_share=filter_min_share,
        )
        self.noise_dim = noise_dim
        self.generator_dims = generator_dims
        self.critic_dims = critic_dims
        self.pac = pac
        self.n_critic = n_critic
        self.gp_weight = gp_weight
        self.aux_weight = aux_weight
        self.temperature = temperature
        self.ema_decay = ema_decay
        self.mmd_weight = mmd_weight
        self.sampling_temperature = sampling_temperature

    def _build_model(self, spans, n_classes):
        return ConditionalWGAN(
            spans,
            n_classes,
            noise_dim=self.noise_dim,
            generator_dims=tuple(self.generator_dims),
            critic_dims=tuple(self.critic_dims),
            pac=max(1, min(self.pac, self.batch_size // 8)),
            n_critic=self.n_critic,
            gp_weight=self.gp_weight,
            aux_weight=self.aux_weight,
            temperature=self.temperature,
            ema_decay=self.ema_decay,
            mmd_weight=self.mmd_weight,
        )
