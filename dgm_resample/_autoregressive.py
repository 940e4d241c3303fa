"""AutoregressiveOverSampler: over-sampling with a class-conditional MADE."""

from __future__ import annotations

import numbers

from imblearn.utils import Substitution
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import BaseDGMOverSampler
from ._constraints import Integer, LayerSizes
from ._docstrings import sampler_docs
from ._likelihood import LikelihoodMixin
from .nn.autoregressive import AutoregressiveModel


@Substitution(
    **sampler_docs(max_steps=1000, score="the negative log-likelihood", filter_neighbors=10)
)
class AutoregressiveOverSampler(LikelihoodMixin, BaseDGMOverSampler):
    """Over-sample with a class-conditional autoregressive model.

    The encoded table is factorized over its spans (a numeric column, a binary
    column or missing-value indicator, or a whole categorical block) as
    p(x | y) = prod_j p(x_j | x_<j, y), discrete spans first and numeric spans
    last, so every numeric value is modelled given all discrete columns. One
    masked network (MADE) conditioned on the class label gives every
    conditional in a single forward pass: a Gaussian mixture or a quantile
    histogram for numeric spans (in the quantile-normal space), a Bernoulli for
    binary spans and a softmax for categorical blocks. Training maximizes the
    exact likelihood over class-balanced minibatches. New rows of a class are
    drawn span by span under that class's label and, by default, passed
    through the neighbour filter, exactly the requested number of them.
    :meth:`score_samples` gives the exact likelihood.

    Read more in the :doc:`family page </autoregressive>`.

    Parameters
    ----------
    {parameters_head}
    {training_parameters}
    {runtime_parameters}
    {filter_parameters}
    hidden_dims : tuple of int, default=(128, 128)
        Widths of the masked hidden layers.
    n_components : int, default=5
        Gaussian mixture components per numeric column; read with
        ``numeric_head="mixture"`` only.
    sampling_temperature : float, default=0.8
        Tempering (positive) of each numeric column's head when generating:
        component or bin weights proportional to ``w_k ** (1 / T)`` and mixture
        component scales times ``T``; 1 samples the learned conditionals, below
        1 gives values closer to their modes. Discrete columns are drawn from
        their learned probabilities, and :meth:`score_samples` is unaffected.
        May be changed with ``set_params`` after fitting: later calls of
        :meth:`sample` use it.
    numeric_head : {{"mixture", "bins"}}, default="mixture"
        Likelihood head of numeric columns. ``"mixture"``: a mixture of
        ``n_components`` Gaussians. ``"bins"``: a quantile histogram, softmax
        weights over ``n_bins`` bins of equal standard-normal mass with the
        standard normal restricted to each bin as density inside it (with the
        default quantile encoding, every bin holds an equal share of the
        training rows).
    n_bins : int, default=32
        Bins per numeric column (2 or more); read with ``numeric_head="bins"``
        only.

    Attributes
    ----------
    {fitted_attributes}
    {history_attribute}
    {input_attributes}

    See Also
    --------
    VAEOverSampler : Over-sampling with a class-conditional VAE.
    imblearn.over_sampling.SMOTENC : Interpolation-based over-sampling of mixed data.

    Notes
    -----
    :meth:`score_samples` returns log p(x | y) in the encoded space: numeric
    columns contribute densities after the quantile-normal transform (mixture
    component scales are floored at exp(-7), so constant columns give large but
    finite values; a bin's density is at most ``n_bins`` times the standard
    normal's), binary columns, missing-value indicators and categorical columns
    contribute log-probabilities. Sampled numeric values are clipped to
    [-10, 10] in the encoded space before decoding.

    Examples
    --------
    >>> from collections import Counter
    >>> from sklearn.datasets import make_classification
    >>> from dgm_resample import AutoregressiveOverSampler
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    >>> sampler = AutoregressiveOverSampler(max_steps=50, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> sorted(Counter(y_res.tolist()).items())
    [(0, 269), (1, 269)]
    >>> sampler.score_samples(X[:3], y[:3]).shape
    (3,)
    """

    _sampling_parameters = {"sampling_temperature": "temperature"}

    _parameter_constraints: dict = {
        **BaseDGMOverSampler._parameter_constraints,
        "hidden_dims": [LayerSizes()],
        "sampling_temperature": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_components": [Integer(1)],
        "numeric_head": [StrOptions({"mixture", "bins"})],
        "n_bins": [Integer(2)],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        categorical_features="auto",
        conditioning="joint",
        max_steps=1000,
        batch_size=256,
        learning_rate=1e-3,
        validation_fraction=None,
        patience=5,
        device="auto",
        n_threads=1,
        verbose="auto",
        filter_neighbors=10,
        filter_min_share=0.2,
        hidden_dims=(128, 128),
        n_components=5,
        sampling_temperature=0.8,
        numeric_head="mixture",
        n_bins=32,
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
        self.n_components = n_components
        self.sampling_temperature = sampling_temperature
        self.numeric_head = numeric_head
        self.n_bins = n_bins

    def _build_model(self, spans, n_classes):
        return AutoregressiveModel(
            spans,
            n_classes,
            hidden_dims=tuple(self.hidden_dims),
            n_components=self.n_components,
            numeric_head=self.numeric_head,
            n_bins=self.n_bins,
        )
