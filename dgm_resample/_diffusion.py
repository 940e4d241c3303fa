"""DiffusionOverSampler: over-sampling with class-conditional tabular diffusion."""

from __future__ import annotations

import numbers

from imblearn.utils import Substitution
from sklearn.utils._param_validation import Interval

from ._base import BaseDGMOverSampler
from ._constraints import Integer, LayerSizes
from ._docstrings import sampler_docs
from .nn.diffusion import TabularDiffusion


@Substitution(
    **sampler_docs(
        max_steps=1500,
        score="the diffusion loss of the averaged weights at fixed noise",
    )
)
class DiffusionOverSampler(BaseDGMOverSampler):
    """Over-sample with a class-conditional diffusion model for mixed-type tables.

    Numeric columns (after a quantile-normal transform) follow a Gaussian
    diffusion with epsilon prediction; binary and categorical columns follow a
    masked (absorbing-state) diffusion in which each variable is hidden with
    probability ``1 - alpha_bar(t)``, on the same cosine schedule. One MLP with
    sinusoidal time and label embeddings predicts the numeric noise and the
    discrete logits; the loss is the numeric squared error plus
    ``discrete_weight`` times the cross-entropy of the masked discrete
    variables, over class-balanced minibatches. The label is dropped at rate
    ``label_dropout`` to train the unconditional model of classifier-free
    guidance. New rows of a class are denoised from noise under that class's
    label by an exponential moving average of the weights in
    ``n_sampling_steps`` strided DDIM steps (``eta``, ``guidance_scale``)
    while the masked discrete variables are revealed at the matching rate,
    exactly the requested number of them.

    Read more in the :doc:`family page </diffusion>`.

    Parameters
    ----------
    {parameters_head}
    {training_parameters}
    {runtime_parameters}
    {filter_parameters}
    hidden_dims : tuple of int, default=(256, 256)
        Widths of the denoiser MLP; the first is also the width of the time
        and label embeddings.
    n_timesteps : int, default=1000
        Length of the training noise schedule (cosine).
    n_sampling_steps : int, default=25
        Denoising steps when generating, strided over the training schedule
        (at most ``n_timesteps``); sampling cost is linear in it. May be changed
        with ``set_params`` after fitting.
    guidance_scale : float, default=0.5
        Classifier-free guidance weight ``w`` (0 or more): the prediction is
        ``c + w * (c - u)`` for the conditional (``c``) and unconditional
        (``u``) outputs, both for the numeric noise and the discrete logits.
        0 is plain conditional sampling (one network pass per step, two
        otherwise); larger values push rows further towards what distinguishes
        their class, at the cost of diversity. May be changed with
        ``set_params`` after fitting.
    label_dropout : float in [0, 1), default=0.1
        Rate at which training labels are replaced by the null label (trains
        the unconditional model used by guidance).
    discrete_weight : float, default=1.0
        Weight (0 or more) of the discrete cross-entropy against the numeric
        squared error.
    ema_decay : float in [0, 1), default=0.995
        Decay of the moving average of the denoiser weights that validation
        and sampling use, with the warm-up ``min(ema_decay, (1 + t) / (10 + t))``
        at update ``t``.
    eta : float in [0, 1], default=1.0
        Stochasticity of the numeric sampling steps (DDIM's eta): 0 is the
        deterministic DDIM update, 1 the ancestral update that adds fresh noise
        at every step. May be changed with ``set_params`` after fitting.

    Attributes
    ----------
    {fitted_attributes}
    {history_attribute}
    {input_attributes}

    See Also
    --------
    VAEOverSampler : Over-sampling with a class-conditional VAE.
    imblearn.over_sampling.SMOTENC : Interpolation-based over-sampling of mixed data.

    Examples
    --------
    >>> from collections import Counter
    >>> from sklearn.datasets import make_classification
    >>> from dgm_resample import DiffusionOverSampler
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    >>> sampler = DiffusionOverSampler(max_steps=50, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> sorted(Counter(y_res.tolist()).items())
    [(0, 269), (1, 269)]
    """

    _sampling_parameters = {
        "n_sampling_steps": "n_sampling_steps",
        "guidance_scale": "guidance_scale",
        "eta": "eta",
    }

    _parameter_constraints: dict = {
        **BaseDGMOverSampler._parameter_constraints,
        "hidden_dims": [LayerSizes()],
        "n_timesteps": [Integer(1)],
        "n_sampling_steps": [Integer(1)],
        "guidance_scale": [Interval(numbers.Real, 0, None, closed="left")],
        "label_dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "discrete_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "ema_decay": [Interval(numbers.Real, 0, 1, closed="left")],
        "eta": [Interval(numbers.Real, 0, 1, closed="both")],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        categorical_features="auto",
        conditioning="joint",
        max_steps=1500,
        batch_size=256,
        learning_rate=1e-3,
        validation_fraction=None,
        patience=5,
        device="auto",
        n_threads=1,
        verbose="auto",
        filter_neighbors=None,
        filter_min_share=0.2,
        hidden_dims=(256, 256),
        n_timesteps=1000,
        n_sampling_steps=25,
        guidance_scale=0.5,
        label_dropout=0.1,
        discrete_weight=1.0,
        ema_decay=0.995,
        eta=1.0,
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
        self.hidden_dims = hidden_dims
        self.n_timesteps = n_timesteps
        self.n_sampling_steps = n_sampling_steps
        self.guidance_scale = guidance_scale
        self.label_dropout = label_dropout
        self.discrete_weight = discrete_weight
        self.ema_decay = ema_decay
        self.eta = eta

    def _build_model(self, spans, n_classes):
        return TabularDiffusion(
            spans,
            n_classes,
            hidden_dims=tuple(self.hidden_dims),
            n_timesteps=self.n_timesteps,
            label_dropout=self.label_dropout,
            discrete_weight=self.discrete_weight,
            ema_decay=self.ema_decay,
        )
