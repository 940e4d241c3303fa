"""VAEOverSampler: over-sampling with a class-conditional VAE."""

from __future__ import annotations

import numbers

from imblearn.utils import Substitution
from sklearn.utils._param_validation import Interval

from ._base import BaseDGMOverSampler
from ._constraints import Integer, LayerSizes
from ._docstrings import sampler_docs
from .nn.vae import ConditionalVAE


@Substitution(**sampler_docs(max_steps=1000, score="the negative ELBO"))
class VAEOverSampler(BaseDGMOverSampler):
    """Over-sample with a class-conditional variational autoencoder.

    A VAE whose encoder and decoder both receive the class label is trained on
    the encoded table by maximizing the ELBO over class-balanced minibatches.
    The decoder's likelihood follows the encoded columns: Gaussian for numeric
    columns (after a quantile-normal transform), Bernoulli for binary ones and
    softmax for categorical ones. New rows of a class are drawn from the
    decoder's likelihood given prior draws z ~ N(0, I) and that class's label,
    exactly the requested number of them.

    Read more in the :doc:`family page </vae>`.

    Parameters
    ----------
    {parameters_head}
    {training_parameters}
    {runtime_parameters}
    {filter_parameters}
    latent_dim : int, default=16
        Size of the latent code.
    hidden_dims : tuple of int, default=(128, 128)
        Hidden layers of the encoder (reversed for the decoder).
    beta : float, default=1.0
        Weight of the KL term of the ELBO (0 or more).

    Attributes
    ----------
    {fitted_attributes}
    {history_attribute}
    {input_attributes}

    See Also
    --------
    imblearn.over_sampling.SMOTENC : Interpolation-based over-sampling of mixed data.

    Examples
    --------
    >>> from collections import Counter
    >>> from sklearn.datasets import make_classification
    >>> from dgm_resample import VAEOverSampler
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    >>> X_res, y_res = VAEOverSampler(max_steps=50, random_state=0).fit_resample(X, y)
    >>> sorted(Counter(y_res.tolist()).items())
    [(0, 269), (1, 269)]
    """

    _parameter_constraints: dict = {
        **BaseDGMOverSampler._parameter_constraints,
        "latent_dim": [Integer(1)],
        "hidden_dims": [LayerSizes()],
        "beta": [Interval(numbers.Real, 0, None, closed="left")],
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
        latent_dim=16,
        hidden_dims=(128, 128),
        beta=1.0,
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
        self.latent_dim = latent_dim
        self.hidden_dims = hidden_dims
        self.beta = beta

    def _build_model(self, spans, n_classes):
        return ConditionalVAE(
            spans,
            n_classes,
            latent_dim=self.latent_dim,
            hidden_dims=tuple(self.hidden_dims),
            beta=self.beta,
        )
