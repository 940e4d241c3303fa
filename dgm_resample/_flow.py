"""FlowOverSampler: over-sampling with a class-conditional normalizing flow."""

from __future__ import annotations

import numbers

from imblearn.utils import Substitution
from sklearn.utils._param_validation import Hidden, Interval, StrOptions

from ._base import BaseDGMOverSampler
from ._constraints import Integer, LayerSizes
from ._deprecation import DEPRECATED, REMOVED_IN, RENAMED_IN, renamed_value
from ._docstrings import sampler_docs
from ._likelihood import LikelihoodMixin
from .nn.flow import TRANSFORMS, ConditionalFlow


@Substitution(
    **sampler_docs(
        max_steps=1000,
        score="the negative dequantization bound (one draw, fixed noise)",
    ),
    renamed_in=RENAMED_IN,
    removed_in=REMOVED_IN,
)
class FlowOverSampler(LikelihoodMixin, BaseDGMOverSampler):
    """Over-sample with a class-conditional normalizing flow.

    A stack of masked autoregressive transforms (built with ``zuko``), affine
    (MAF) or rational-quadratic splines (NSF), maps continuous coordinates of
    the encoded table to a standard normal, conditioned on a learned embedding
    of the class label. Numeric columns are coordinates in the quantile-normal
    space; each discrete value owns a cell of the coordinates (the sign of one
    coordinate for a binary column or missing-value indicator, K - 1
    coordinates read as successive yes/no decisions for a categorical column
    with K levels), filled in training by a learned dequantizer. The flow is
    trained by maximizing the variational-dequantization bound on the
    likelihood over class-balanced minibatches. New rows of a class are the
    inverse map of base draws under that class's label, decoded cell by cell
    into exact 0/1 values and one-hot vectors, exactly the requested number of
    them. :meth:`score_samples` estimates the likelihood.

    Read more in the :doc:`family page </flow>`.

    Parameters
    ----------
    {parameters_head}
    {training_parameters}
    {runtime_parameters}
    {filter_parameters}
    n_transforms : int, default=3
        Masked transforms stacked on the base. Each splits the coordinates into
        4 groups, each transformed given the label and the earlier groups
        (discrete coordinates first in one transform, numeric ones first in the
        next); sampling runs 4 network passes per transform.
    hidden_dims : tuple of int, default=(64, 64)
        Hidden layers of the masked network of each transform.
    transform_type : {{"affine", "spline"}}, default="affine"
        Element-wise map of each transform: affine (MAF) or a monotonic
        rational-quadratic spline with ``n_spline_bins`` bins on [-6, 6] (NSF).
    n_spline_bins : int, default=8
        Bins of each spline (2 or more); read with ``transform_type="spline"``
        only.
    sampling_temperature : float, default=0.7
        Scale (positive) of the base draws of the numeric coordinates when
        generating; 1 samples the learned density, below 1 concentrates the
        numeric values of new rows on the high-density region of their class.
        The base draws of discrete cells are not scaled (level frequencies
        that depend on numeric columns can still shift), and the likelihood
        and :meth:`score_samples` are unaffected. May be changed with
        ``set_params`` after fitting: later calls of :meth:`sample` use it.
    n_bins : int, default="deprecated"
        Former name of ``n_spline_bins``, used when given.

        .. deprecated:: {renamed_in}
           ``n_bins`` was renamed ``n_spline_bins`` (the autoregressive
           sampler's ``n_bins`` counts histogram bins) and will be removed in
           {removed_in}.

    Attributes
    ----------
    {fitted_attributes}
    {history_attribute}
    {input_attributes}

    See Also
    --------
    AutoregressiveOverSampler : Over-sampling with a class-conditional MADE.
    VAEOverSampler : Over-sampling with a class-conditional VAE.
    imblearn.over_sampling.SMOTENC : Interpolation-based over-sampling of mixed data.

    Notes
    -----
    :meth:`score_samples` returns an estimate of log p(x | y) in the encoded
    space. Numeric columns enter as a density after the quantile-normal
    transform, at the given values (the Gaussian noise of standard deviation
    0.05 added to numeric columns during training is left out). A discrete value
    enters as the probability of its cell, estimated by importance sampling
    from the dequantizer with 8 draws shared by all rows (fixed seed):
    log mean_k p(z_k | y) / q(z_k | x, y), a lower bound on log p(x | y) in
    expectation, not an exact value. With only numeric columns the value is
    the exact log-density. Sampled numeric values are clipped to [-6, 6] in the
    encoded space before decoding.

    Examples
    --------
    >>> from collections import Counter
    >>> from sklearn.datasets import make_classification
    >>> from dgm_resample import FlowOverSampler
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    >>> sampler = FlowOverSampler(max_steps=50, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> sorted(Counter(y_res.tolist()).items())
    [(0, 269), (1, 269)]
    >>> sampler.score_samples(X[:3], y[:3]).shape
    (3,)
    """

    _sampling_parameters = {"sampling_temperature": "temperature"}

    _renamed_parameters = {"n_bins": "n_spline_bins"}

    _parameter_constraints: dict = {
        **BaseDGMOverSampler._parameter_constraints,
        "n_transforms": [Integer(1)],
        "hidden_dims": [LayerSizes()],
        "sampling_temperature": [Interval(numbers.Real, 0, None, closed="neither")],
        "transform_type": [StrOptions(set(TRANSFORMS))],
        "n_spline_bins": [Integer(2)],
        "n_bins": [Integer(2), Hidden(StrOptions({DEPRECATED}))],
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
        filter_neighbors=None,
        filter_min_share=0.2,
        n_transforms=3,
        hidden_dims=(64, 64),
        transform_type="affine",
        n_spline_bins=8,
        sampling_temperature=0.7,
        n_bins=DEPRECATED,
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
        self.n_transforms = n_transforms
        self.hidden_dims = hidden_dims
        self.transform_type = transform_type
        self.n_spline_bins = n_spline_bins
        self.sampling_temperature = sampling_temperature
        self.n_bins = n_bins

    def _build_model(self, spans, n_classes):
        return ConditionalFlow(
            spans,
            n_classes,
            n_transforms=self.n_transforms,
            hidden_dims=tuple(self.hidden_dims),
            transform_type=self.transform_type,
            n_bins=renamed_value(self, "n_bins", "n_spline_bins"),
        )
