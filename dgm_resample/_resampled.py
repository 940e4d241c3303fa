"""ResampledClassifierCV: resample, calibrate on untouched rows and pick the threshold.

One cross-fitting pass does all the work. In each of ``cv`` stratified folds
the sampler and the classifier are fitted on the training part only and the
untouched held-out part is predicted; the out-of-fold probabilities then fit
the calibration map and choose the decision threshold, and the fold models
(or one refit on all rows) make the final predictions.
"""

from __future__ import annotations

import numbers

import numpy as np
from joblib import Parallel, delayed
from scipy.optimize import minimize
from scipy.special import expit, logit
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, _fit_context, clone
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import get_scorer, get_scorer_names
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_consistent_length, check_is_fitted, column_or_1d

from ._base import _SEED_MAX, _label, _random_state

#: probabilities are kept in [EPS, 1 - EPS] before taking log-odds
EPS = 1e-6
#: candidate thresholds tried on the out-of-fold probabilities (quantiles beyond this)
MAX_THRESHOLDS = 200


def _recommended_sampler():
    """The sampler README recommends: the autoregressive one at its defaults."""
    from ._autoregressive import AutoregressiveOverSampler

    return AutoregressiveOverSampler()


def _threshold_ok(value):
    return callable(value) or (isinstance(value, str) and value in _THRESHOLD_NAMES)


_THRESHOLD_NAMES = frozenset(get_scorer_names()) | {"default"}


class _ThresholdOption(StrOptions):
    """``"default"``, a scikit-learn scorer name, or a scorer callable."""

    def __init__(self):
        super().__init__({"default"})

    def is_satisfied_by(self, val):
        return _threshold_ok(val)

    def __str__(self):
        return "'default', a scorer name of sklearn.metrics.get_scorer_names() or a scorer"


class ResampledClassifierCV(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Over-sample, calibrate on untouched rows and tune the threshold, in one cross-fitting pass.

    Resampling shifts a classifier's idea of the class priors, so its raw
    probabilities are too high for the minority class. This estimator fits the
    sampler and the classifier inside cross-fitting, so that every training
    row is also predicted once by models that never saw it (nor rows
    generated from it); those out-of-fold probabilities fit a calibration map
    against the true labels and choose the decision threshold. Predictions
    come from the fold models (``ensemble=True``, averaged after calibration,
    as :class:`~sklearn.calibration.CalibratedClassifierCV` does) or from one
    refit on all rows.

    Cost: ``cv`` sampler and classifier fits (``cv + 1`` with
    ``ensemble=False``), once. Wrapping a resampling pipeline in
    ``TunedThresholdClassifierCV(CalibratedClassifierCV(pipeline, cv=k), cv=m)``
    instead fits the sampler ``(m + 1) * k`` times (``m`` inner folds and a
    refit, each calibrating over ``k`` folds): 12 fits for 3 and 3 folds,
    against 3 here.

    Read more in the :ref:`user guide <calibrated-oversampling>`.

    Parameters
    ----------
    estimator : classifier
        Fitted on the resampled rows of each fold; needs ``predict_proba``. Put
        any preprocessing it needs in a pipeline (the sampler sees the rows
        before it).
    sampler : over-sampler, "auto" or None, default="auto"
        Resamples each training part (``fit_resample``; an imbalanced-learn
        over-sampler or any object with ``fit_resample`` that does not declare
        another sampling type). ``"auto"``: the recommended
        :class:`~dgm_resample.AutoregressiveOverSampler` at its defaults;
        ``None``: no resampling (the baseline with the same calibration and
        threshold). When the sampler has a ``random_state``, each fold gets one
        derived from ``random_state``.
    calibration : {"sigmoid", "isotonic", "prior"} or None, default="sigmoid"
        Map from the classifier's probabilities to calibrated ones, fitted on
        the out-of-fold probabilities: ``"sigmoid"`` (Platt scaling of the
        log-odds), ``"isotonic"`` (both one-vs-rest and renormalized with more
        than two classes), ``"prior"`` (the analytic correction for the class
        shares the sampler produced, no held-out rows needed: each class's
        probability times its share before over its share after resampling,
        renormalized; Saerens et al. 2002), or ``None`` (the classifier's own).
    threshold : str, float in (0, 1) or callable, default="f1"
        Binary problems: the cut on the calibrated probability of the positive
        class. A scikit-learn scorer name (any that
        :class:`~sklearn.model_selection.TunedThresholdClassifierCV` accepts)
        or a scorer: the cut that maximizes it on the out-of-fold
        probabilities; a float: that cut; ``"default"``: 0.5. With more than
        two classes the class of highest probability is predicted.
    cv : int, cross-validation generator or iterable, default=3
        Folds of the cross-fitting; an int gives that many shuffled
        stratified folds (seeded by ``random_state``). Every class needs at
        least as many rows as there are folds.
    ensemble : bool, default=True
        ``True``: predict with the ``cv`` fold models (no extra fit);
        ``False``: refit the sampler and the classifier on all rows.
    pos_label : int, float, bool, str or None, default=None
        The positive class of a binary problem (the threshold is a cut on its
        probability); ``None`` takes the larger of the two labels
        (``classes_[1]``).
    n_jobs : int or None, default=None
        Folds fitted in parallel (joblib); ``None`` means 1.
    random_state : int, RandomState instance or None, default=None
        Seeds the folds and the samplers' ``random_state`` (``None``: fresh
        entropy; no global random state is read).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    estimators_ : list of classifiers
        The fold models (``ensemble=True``) or the one refit.
    oof_scores_ : ndarray of shape (n_samples, n_classes)
        Out-of-fold probabilities of the classifier, before calibration.
    calibrated_oof_scores_ : ndarray of shape (n_samples, n_classes)
        The same after calibration (what the threshold was chosen on).
    calibrators_ : list
        The fitted calibration map of each class (one for two classes);
        empty without calibration.
    prior_ratio_ : ndarray of shape (n_classes,)
        Each class's share of the training rows over its mean share of the
        resampled training parts (what ``calibration="prior"`` multiplies by).
    threshold_ : float
        The cut on the calibrated probability of ``pos_label`` (binary
        problems; NaN with more classes). When chosen by a metric, it lies
        halfway between the out-of-fold probability that maximizes the metric
        and the next lower one.
    best_score_ : float
        The threshold metric at ``threshold_`` on the out-of-fold
        probabilities (NaN when the threshold was given).
    n_features_in_ : int
        Number of columns seen in fit.
    feature_names_in_ : ndarray of str
        Column names seen in fit (a DataFrame with string column names).

    See Also
    --------
    sklearn.calibration.CalibratedClassifierCV : Calibration by cross-validation.
    sklearn.model_selection.TunedThresholdClassifierCV : Threshold tuning.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from dgm_resample import AutoregressiveOverSampler, ResampledClassifierCV
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    >>> model = ResampledClassifierCV(
    ...     LogisticRegression(),
    ...     sampler=AutoregressiveOverSampler(max_steps=30),
    ...     random_state=0,
    ... ).fit(X, y)
    >>> model.predict_proba(X[:2]).shape
    (2, 2)
    >>> 0 < model.threshold_ < 1
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
        "sampler": [HasMethods(["fit_resample"]), StrOptions({"auto"}), None],
        "calibration": [StrOptions({"sigmoid", "isotonic", "prior"}), None],
        "threshold": [_ThresholdOption(), Interval(numbers.Real, 0, 1, closed="neither")],
        "cv": ["cv_object"],
        "ensemble": ["boolean"],
        "pos_label": [numbers.Real, str, "boolean", None],
        "n_jobs": [numbers.Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator,
        *,
        sampler="auto",
        calibration="sigmoid",
        threshold="f1",
        cv=3,
        ensemble=True,
        pos_label=None,
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.sampler = sampler
        self.calibration = calibration
        self.threshold = threshold
        self.cv = cv
        self.ensemble = ensemble
        self.pos_label = pos_label
        self.n_jobs = n_jobs
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Cross-fit, calibrate, choose the threshold and keep the final models.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training rows, in whatever form the sampler and the estimator take.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : ResampledClassifierCV
            The fitted estimator.
        """
        sampler = self._check_sampler()
        X, y = self._check_X_y(X, y)
        check_classification_targets(y)
        if type_of_target(y) not in ("binary", "multiclass"):
            raise ValueError(f"{type(self).__name__} needs one class label per row.")
        self._set_feature_info(X)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least two classes; y holds only "
                f"{_label(self.classes_[0])}."
            )
        positive = self._positive_index()
        rng = _random_state(self.random_state)
        splits = self._splits(X, y, codes, rng)
        seeds = rng.randint(_SEED_MAX, size=len(splits) + 1)
        fits = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_fold)(self.estimator, sampler, X, y, train, int(seed), test)
            for (train, test), seed in zip(splits, seeds)
        )
        oof = np.zeros((len(y), len(self.classes_)))
        for (_, test), (_, proba, _) in zip(splits, fits):
            oof[test] = proba
        self.oof_scores_ = oof
        counts = np.bincount(codes, minlength=len(self.classes_))
        shares_after = np.mean([f[2] for f in fits], axis=0)
        self.prior_ratio_ = (counts / counts.sum()) / np.maximum(shares_after, EPS)
        self.calibrators_ = self._fit_calibration(oof, codes)
        self.calibrated_oof_scores_ = self._calibrate(oof)
        self.threshold_, self.best_score_ = self._choose_threshold(
            self.calibrated_oof_scores_[:, positive], codes == positive
        )
        if self.ensemble:
            self.estimators_ = [f[0] for f in fits]
        else:
            self.estimators_ = [
                _fit_fold(self.estimator, sampler, X, y, np.arange(len(y)), int(seeds[-1]))[0]
            ]
        return self

    def _check_sampler(self):
        if self.sampler is None:
            return None
        sampler = _recommended_sampler() if self.sampler == "auto" else self.sampler
        kind = getattr(sampler, "_sampling_type", "over-sampling")
        if kind != "over-sampling":
            raise ValueError(
                f"sampler={type(sampler).__name__}() resamples by {kind}; "
                f"{type(self).__name__} needs an over-sampler (one that keeps every "
                "original row and adds rows), or None for no resampling."
            )
        return sampler

    def _check_X_y(self, X, y):
        """``X`` as given where it is a table (array, DataFrame, sparse), else an array;
        ``y`` as a 1-d array."""
        name = type(self).__name__
        if y is None:
            raise ValueError(f"{name} requires y to be passed, but the target y is None.")
        if hasattr(X, "tocsr"):  # any SciPy sparse format: rows are taken from CSR
            X = X.tocsr()
        elif not hasattr(X, "shape"):
            X = np.asarray(X)
        if len(X.shape) != 2:
            raise ValueError(f"Expected a 2D table X, got shape {X.shape}.")
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        if X.shape[0] < 2:
            raise ValueError(
                f"Found array with {X.shape[0]} sample(s) (shape={X.shape}) while a minimum "
                f"of 2 is required by {name}."
            )
        if X.shape[1] == 0:
            raise ValueError(
                f"Found array with 0 feature(s) (shape={X.shape}) while a minimum of 1 is required."
            )
        return X, y

    def _set_feature_info(self, X):
        self.n_features_in_ = int(X.shape[1])
        columns = getattr(X, "columns", None)
        if columns is not None and all(isinstance(c, str) for c in columns):
            self.feature_names_in_ = np.asarray(columns, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

    def _positive_index(self):
        if len(self.classes_) != 2:
            return 1
        if self.pos_label is None:
            return 1
        hits = np.flatnonzero(self.classes_ == self.pos_label)
        if not len(hits):
            raise ValueError(
                f"pos_label={self.pos_label!r} is not a class; the classes are "
                f"{[_label(c) for c in self.classes_]}."
            )
        return int(hits[0])

    def _splits(self, X, y, codes, rng):
        cv = self.cv
        if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
            cv = StratifiedKFold(cv, shuffle=True, random_state=rng.randint(_SEED_MAX))
        cv = check_cv(cv, y, classifier=True)
        n_splits = cv.get_n_splits(X, y)
        counts = np.bincount(codes)
        smallest = int(np.argmin(counts))
        if counts[smallest] < n_splits:
            raise ValueError(
                f"cv={n_splits} folds need at least {n_splits} rows of every class; class "
                f"{_label(self.classes_[smallest])} has {counts[smallest]}. Lower cv."
            )
        splits = list(cv.split(X, y))
        for train, _ in splits:
            missing = set(range(len(self.classes_))) - set(np.unique(codes[train]).tolist())
            if missing:
                raise ValueError(
                    "A training fold holds no row of class "
                    f"{_label(self.classes_[min(missing)])}; use stratified folds."
                )
        return splits

    # ---------------------------------------------------------- calibration
    def _fit_calibration(self, oof, codes):
        if self.calibration in (None, "prior"):
            return []
        columns = [1] if oof.shape[1] == 2 else range(oof.shape[1])
        maps = []
        for c in columns:
            target = (codes == c).astype(float)
            if self.calibration == "sigmoid":
                maps.append(_PlattScaling().fit(oof[:, c], target))
            else:
                iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
                maps.append(iso.fit(oof[:, c], target))
        return maps

    def _calibrate(self, proba):
        """Calibrated probabilities of rows whose classifier probabilities are ``proba``."""
        if self.calibration is None:
            return proba
        if self.calibration == "prior":
            weighted = proba * self.prior_ratio_
            return _normalize(weighted)
        if proba.shape[1] == 2:
            positive = np.clip(self.calibrators_[0].predict(proba[:, 1]), 0.0, 1.0)
            return np.column_stack([1.0 - positive, positive])
        out = np.column_stack([m.predict(proba[:, c]) for c, m in enumerate(self.calibrators_)])
        return _normalize(np.clip(out, 0.0, 1.0))

    # ------------------------------------------------------------ threshold
    def _choose_threshold(self, scores, is_positive):
        if len(self.classes_) != 2:
            return np.nan, np.nan
        if isinstance(self.threshold, numbers.Real) and not isinstance(self.threshold, bool):
            return float(self.threshold), np.nan
        if isinstance(self.threshold, str) and self.threshold == "default":
            return 0.5, np.nan
        scorer = get_scorer(self.threshold) if isinstance(self.threshold, str) else self.threshold
        candidates = np.unique(scores)
        if len(candidates) > MAX_THRESHOLDS:
            candidates = np.unique(np.quantile(scores, np.linspace(0, 1, MAX_THRESHOLDS)))
        labels = is_positive.astype(int)
        rows = np.arange(len(scores))
        values = np.array([scorer(_FixedPredictions(scores, t), rows, labels) for t in candidates])
        best = np.flatnonzero(values == np.nanmax(values))
        # ties (a plateau, or a metric that ignores the cut): the cut nearest 0.5
        choice = best[np.argmin(np.abs(candidates[best] - 0.5))]
        # the cut halfway below the chosen score: the same predictions on these rows,
        # and no new row ties with it (a calibration map with steps repeats its values)
        below = candidates[choice - 1] if choice > 0 else 0.0
        return float((below + candidates[choice]) / 2), float(values[choice])

    # ------------------------------------------------------------ predict
    def predict_proba(self, X):
        """Calibrated class probabilities.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        check_is_fitted(self, "estimators_")
        parts = [self._calibrate(_aligned_proba(e, X, self.classes_)) for e in self.estimators_]
        return np.mean(parts, axis=0)

    def predict(self, X):
        """Class of each row: ``pos_label`` where its calibrated probability exceeds
        ``threshold_`` (two classes), the most probable class otherwise.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        if len(self.classes_) != 2:
            return self.classes_[np.argmax(proba, axis=1)]
        positive = self._positive_index()
        hits = proba[:, positive] > self.threshold_
        return np.where(hits, self.classes_[positive], self.classes_[1 - positive])

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    @available_if(lambda self: hasattr(self.estimator, "decision_function"))
    def decision_function(self, X):
        """Decision values from the calibrated probabilities.

        Two classes: the log-odds of the calibrated probability of
        ``classes_[1]`` minus those of its cut (``threshold_``, or
        ``1 - threshold_`` when ``pos_label`` is ``classes_[0]``), so that, as in
        scikit-learn, a positive value means ``classes_[1]``. More classes: the
        log of the calibrated probabilities (floored at 1e-6). (Available where the estimator has a
        ``decision_function``, as scikit-learn's meta-estimators do.)

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        proba = self.predict_proba(X)
        if len(self.classes_) != 2:
            return np.log(np.clip(proba, EPS, 1.0))
        # the log-odds of classes_[1] against its cut, as scikit-learn orients them
        cut = self.threshold_ if self._positive_index() == 1 else 1.0 - self.threshold_
        tiny = np.finfo(np.float64).eps  # bounds the log-odds without merging near cuts
        return logit(np.clip(proba[:, 1], tiny, 1 - tiny)) - logit(np.clip(cut, tiny, 1 - tiny))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = clone(self.estimator).__sklearn_tags__()
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.string = inner.input_tags.string
        tags.input_tags.categorical = inner.input_tags.categorical
        if self.sampler not in (None,) and hasattr(self.sampler, "__sklearn_tags__"):
            tags.input_tags.allow_nan &= self.sampler.__sklearn_tags__().input_tags.allow_nan
            tags.input_tags.sparse &= self.sampler.__sklearn_tags__().input_tags.sparse
        tags.non_deterministic = False
        return tags


def _fit_fold(estimator, sampler, X, y, train, seed, test=None):
    """Fit ``sampler`` + ``estimator`` on the rows ``train``; predict the rows ``test``.

    Returns ``(fitted estimator, probabilities of test rows or None, class
    shares of the resampled rows)``.
    """
    X_train, y_train = _safe_indexing(X, train), y[train]
    if sampler is not None:
        sampler = clone(sampler)
        if "random_state" in sampler.get_params(deep=False):
            sampler.set_params(random_state=seed)
        X_train, y_train = sampler.fit_resample(X_train, y_train)
        y_train = np.asarray(y_train)
    model = clone(estimator).fit(X_train, y_train)
    classes = np.unique(y)
    shares = np.array([np.mean(y_train == c) for c in classes])
    proba = None if test is None else _aligned_proba(model, _safe_indexing(X, test), classes)
    return model, proba, shares


def _aligned_proba(model, X, classes):
    """``model.predict_proba(X)`` with one column per class of ``classes`` (0 where unseen)."""
    proba = np.asarray(model.predict_proba(X), dtype=float)
    own = np.asarray(model.classes_)
    if len(own) == len(classes) and np.array_equal(own, classes):
        return proba
    out = np.zeros((proba.shape[0], len(classes)))
    out[:, np.searchsorted(classes, own)] = proba
    return out


def _normalize(values):
    total = values.sum(axis=1, keepdims=True)
    uniform = np.full_like(values, 1.0 / values.shape[1])
    return np.where(total > 0, values / np.where(total > 0, total, 1.0), uniform)


class _PlattScaling:
    """``p -> sigmoid(a * logit(p) + b)`` fitted by maximum likelihood.

    Platt's smoothed targets ((n+ + 1) / (n+ + 2) and 1 / (n- + 2)) keep the
    map from saturating on separable scores, as in scikit-learn's sigmoid
    calibration.
    """

    def fit(self, proba, target):
        f = logit(np.clip(proba, EPS, 1 - EPS))
        n_pos = target.sum()
        n_neg = len(target) - n_pos
        t = np.where(target > 0, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))

        def loss(params):
            a, b = params
            z = a * f + b
            # log(1 + exp(z)) - t z, and its gradient
            value = np.logaddexp(0.0, z) - t * z
            residual = expit(z) - t
            return value.sum(), np.array([(residual * f).sum(), residual.sum()])

        result = minimize(loss, x0=np.array([1.0, 0.0]), jac=True, method="L-BFGS-B")
        self.a_, self.b_ = (float(v) for v in result.x)
        return self

    def predict(self, proba):
        return expit(self.a_ * logit(np.clip(proba, EPS, 1 - EPS)) + self.b_)


class _FixedPredictions(ClassifierMixin, BaseEstimator):
    """A stand-in classifier that a scorer evaluates at one cut of fixed scores.

    ``X`` passed to it are row indices into ``scores`` (the probability of the
    positive class, encoded as 1).
    """

    def __init__(self, scores=None, threshold=0.5):
        self.scores = scores
        self.threshold = threshold
        self.classes_ = np.array([0, 1])

    def predict(self, X):
        return (self.scores[X] >= self.threshold).astype(int)

    def predict_proba(self, X):
        positive = self.scores[X]
        return np.column_stack([1.0 - positive, positive])

    def decision_function(self, X):
        return self.scores[X] - self.threshold
