"""``score_samples`` for the samplers whose model has an exact ``log_prob``."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_consistent_length

from ._base import _check_trained, _labels
from ._training import torch_threads
from ._validation import class_labels


def _has_trained_models(sampler):
    """``score_samples`` exists once ``fit_resample`` has trained the models."""
    if not hasattr(sampler, "models_"):
        raise AttributeError(
            f"{type(sampler).__name__}.score_samples is available after fit_resample."
        )
    return True


class LikelihoodMixin:
    """``score_samples`` for samplers whose model has an exact ``log_prob``."""

    #: rows scored per forward pass
    _score_batch_size = 4096

    @available_if(_has_trained_models)
    def score_samples(self, X, y=None):
        """Log-likelihood log p(x | y) of each row under the fitted model.

        The density is measured in the encoded space of ``encoder_`` (numeric
        columns after the quantile-normal transform, categorical columns one-hot,
        missing indicators as binary columns); see the sampler's notes for how
        discrete columns enter it. Values are comparable between rows and
        classes of one fitted sampler, not across differently encoded tables.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Rows with the schema seen in fit.
        y : array-like, label or None, default=None
            Class of each row, of shape ``(n_samples,)`` (a single label
            applies to all rows; one-hot rows of shape ``(n_samples, n_classes)``,
            as ``fit_resample`` accepts them, give their class); each class
            must have a fitted model. ``None`` scores the mixture of the
            classes that have a model under a uniform class prior:
            log(mean_c p(x | c)).

        Returns
        -------
        log_prob : ndarray of shape (n_samples,)
        """
        _check_trained(self)
        if y is None:
            per_class = np.stack([self.score_samples(X, label) for label in self.models_])
            top = per_class.max(axis=0)
            return top + np.log(np.exp(per_class - top).mean(axis=0))
        Z = self.encoder_.transform(X)
        labels = class_labels(y, self.classes_, len(Z))
        check_consistent_length(Z, labels)
        unknown = set(labels.tolist()) - set(self.models_)
        if unknown:
            raise ValueError(
                f"No fitted model for class(es) {_labels(sorted(unknown, key=str))}; fitted "
                f"classes: {_labels(self.models_)}."
            )
        out = np.empty(len(Z), dtype=np.float64)
        with torch_threads(self.n_threads), torch.no_grad():
            for label in set(labels.tolist()):
                rows = np.flatnonzero(labels == label)
                model = self.models_[label].eval()
                for start in range(0, len(rows), self._score_batch_size):
                    chunk = rows[start : start + self._score_batch_size]
                    x = torch.as_tensor(Z[chunk])
                    cond = self._condition(label, len(chunk), "cpu")
                    out[chunk] = model.log_prob(x, cond).double().numpy()
        return out
