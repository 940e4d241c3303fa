"""GANOverSampler: over-sampling with a class-conditional WGAN-GP."""

from __future__ import annotations

import numbers

from imblearn.utils import Substitution
from sklearn.utils._param_validation import Hidden, Interval, StrOptions

from ._base import BaseDGMOverSampler
from ._constraints import Integer, LayerSizes
from ._deprecation import DEPRECATED, REMOVED_IN, RENAMED_IN, renamed_value
from ._docstrings import sampler_docs
from .nn.gan import ConditionalWGAN


@Substitution(
    **sampler_docs(
        max_steps=450,
        score="the per-class MMD between held-out and generated rows",
        patience=None,
        steps="generator updates (each after ``n_critic`` critic updates)",
        optimizer=" of generator and critic (betas (0.5, 0.9))",
    ),
    renamed_in=RENAMED_IN,
    removed_in=REMOVED_IN,
)
class GANOverSampler(BaseDGMOverSampler):
    """Over-sample with a class-conditional Wasserstein GAN (gradient penalty).

    A generator maps Gaussian noise and the one-hot class label to an encoded
    row: numeric columns through a bounded tanh, binary and categorical columns
    through Gumbel-softmax relaxations in training and exact draws (0/1,
    one-hot) when sampling. A critic scores packs of ``pac`` rows of one class
    with their label (PacGAN) under the WGAN-GP objective. The generator's
    loss adds the cross-entropy of an auxiliary classifier trained on real
    rows (``aux_weight``) and a per-class kernel MMD between its rows and the
    real rows of the minibatch (``mmd_weight``). Minibatches are
    class-balanced. New rows of a class come from an exponential moving
    average of the generator weights (``ema_decay``) under that class's label,
    exactly the requested number of them.

    Read more in the :doc:`family page </gan>`.

    Parameters
    ----------
    {parameters_head}
    {training_parameters}
    {runtime_parameters}
    {filter_parameters}
    noise_dim : int, default=64
        Size of the generator's Gaussian noise vector.
    generator_dims : tuple of int, default=(256, 256)
        Hidden layers of the generator (LayerNorm and LeakyReLU after each).
    critic_dims : tuple of int, default=(128, 128)
        Hidden layers of the critic (LeakyReLU, no normalization).
    pac : int, default=8
        Rows of one class scored together by the critic, at most
        ``batch_size // 8`` (at least 1); batches are padded to a multiple of it
        by re-drawing rows of the batch.
    n_critic : int, default=2
        Critic updates per generator update.
    gp_weight : float, default=10.0
        Weight of the gradient penalty (0 or more).
    aux_weight : float, default=1.0
        Weight of the auxiliary classifier's cross-entropy in the generator
        loss; 0 builds no classifier (nor does a single class).
    gumbel_temperature : float, default=0.2
        Temperature (positive) of the Gumbel-softmax relaxations of binary and
        categorical columns in training; sampling draws exact values.
    ema_decay : float in [0, 1), default=0.995
        Decay of the moving average of the generator weights that sampling and
        validation use, with the warm-up ``min(ema_decay, (1 + t) / (10 + t))``
        at update ``t``; 0 uses the raw generator.
    mmd_weight : float, default=10.0
        Weight of the moment-matching term of the generator loss: per class of
        the minibatch, the unbiased squared MMD (sum of RBF kernels at 0.25, 1
        and 4 times the median squared distance between the real rows) between
        its real rows and the rows generated for it, averaged over the classes.
        0 trains a plain WGAN-GP.
    sampling_temperature : float, default=0.9
        Standard deviation (positive) of the generator's noise when sampling;
        training uses 1. Below 1 the rows concentrate where the generator puts
        most mass. May be changed with ``set_params`` after fitting: later
        calls of ``sample`` use it.
    temperature : float, default="deprecated"
        Former name of ``gumbel_temperature``, used when given.

        .. deprecated:: {renamed_in}
           ``temperature`` was renamed ``gumbel_temperature`` and will be
           removed in {removed_in}.

    Attributes
    ----------
    {fitted_attributes}
    history_ : list of dict
        Per-epoch training records (epoch, step, train_loss: the critic's
        Wasserstein estimate at the last update, time; valid_loss, the MMD
        score, with ``validation_fraction``; class with
        ``conditioning="per_class"``).
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

    _renamed_parameters = {"temperature": "gumbel_temperature"}

    _parameter_constraints: dict = {
        **BaseDGMOverSampler._parameter_constraints,
        "noise_dim": [Integer(1)],
        "generator_dims": [LayerSizes()],
        "critic_dims": [LayerSizes()],
        "pac": [Integer(1)],
        "n_critic": [Integer(1)],
        "gp_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "aux_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "gumbel_temperature": [Interval(numbers.Real, 0, None, closed="neither")],
        "ema_decay": [Interval(numbers.Real, 0, 1, closed="left")],
        "mmd_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "sampling_temperature": [Interval(numbers.Real, 0, None, closed="neither")],
        "temperature": [
            Interval(numbers.Real, 0, None, closed="neither"),
            Hidden(StrOptions({DEPRECATED})),
        ],
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
        n_threads=1,
        verbose="auto",
        filter_neighbors=None,
        filter_min_share=0.2,
        noise_dim=64,
        generator_dims=(256, 256),
        critic_dims=(128, 128),
        pac=8,
        n_critic=2,
        gp_weight=10.0,
        aux_weight=1.0,
        gumbel_temperature=0.2,
        ema_decay=0.995,
        mmd_weight=10.0,
        sampling_temperature=0.9,
        temperature=DEPRECATED,
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
        self.gumbel_temperature = gumbel_temperature
        self.ema_decay = ema_decay
        self.mmd_weight = mmd_weight
        self.sampling_temperature = sampling_temperature
        self.temperature = temperature

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
            temperature=renamed_value(self, "temperature", "gumbel_temperature"),
            ema_decay=self.ema_decay,
            mmd_weight=self.mmd_weight,
        )
