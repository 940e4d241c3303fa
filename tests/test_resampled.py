"""ResampledClassifierCV: fold logic, calibration, thresholds and estimator checks."""

import pickle

import numpy as np
import pandas as pd
import pytest
from _helpers import tiny
from imblearn.over_sampling import RandomOverSampler
from imblearn.under_sampling import RandomUnderSampler
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, f1_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from dgm_resample import AutoregressiveOverSampler, ResampledClassifierCV


def _data(n=600, weights=(0.9,), seed=0, n_classes=2):
    return make_classification(
        n_samples=n,
        n_features=5,
        n_informative=3,
        n_classes=n_classes,
        weights=list(weights),
        random_state=seed,
    )


class RecordingSampler(RandomOverSampler):
    """Random over-sampling that records the row ids (column 0) it is fitted on."""

    seen = []

    def fit_resample(self, X, y):
        RecordingSampler.seen.append(set(np.asarray(X)[:, 0].astype(int).tolist()))
        return super().fit_resample(X, y)


class RecordingClassifier(ClassifierMixin, BaseEstimator):
    """Logistic regression on all but column 0 that remembers the row ids it trained on."""

    def fit(self, X, y):
        X = np.asarray(X)
        self.rows_ = set(X[:, 0].astype(int).tolist())
        self.model_ = LogisticRegression().fit(X[:, 1:], y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(np.asarray(X)[:, 1:])


def test_no_model_and_no_sampler_sees_the_rows_it_predicts():
    X, y = _data()
    X = np.column_stack([np.arange(len(y)), X])
    RecordingSampler.seen = []
    cv = StratifiedKFold(3, shuffle=True, random_state=1)
    model = ResampledClassifierCV(
        RecordingClassifier(), sampler=RecordingSampler(random_state=0), cv=cv
    ).fit(X, y)
    splits = list(cv.split(X, y))
    assert len(RecordingSampler.seen) == 3  # cv sampler fits, no more (ensemble=True)
    for (train, test), seen, estimator in zip(splits, RecordingSampler.seen, model.estimators_):
        assert seen == set(train.tolist())
        assert not estimator.rows_ & set(test.tolist())  # resampled rows are copies of train rows
    # the out-of-fold scores of a test part are its own fold model's probabilities
    for (_, test), estimator in zip(splits, model.estimators_):
        np.testing.assert_allclose(model.oof_scores_[test], estimator.predict_proba(X[test]))
    RecordingSampler.seen = []
    refit = ResampledClassifierCV(
        RecordingClassifier(), sampler=RecordingSampler(random_state=0), cv=cv, ensemble=False
    ).fit(X, y)
    assert len(RecordingSampler.seen) == 4 and RecordingSampler.seen[-1] == set(range(len(y)))
    assert len(refit.estimators_) == 1


@pytest.mark.parametrize("calibration", ["sigmoid", "isotonic", "prior"])
def test_calibration_repairs_the_probabilities_of_a_shifted_prior(calibration):
    X, y = _data(n=4000, weights=(0.92,), seed=3)
    X_test, y_test = X[2000:], y[2000:]
    X, y = X[:2000], y[:2000]
    common = dict(sampler=RandomOverSampler(random_state=0), threshold="default", random_state=0)
    raw = ResampledClassifierCV(LogisticRegression(), calibration=None, **common).fit(X, y)
    fixed = ResampledClassifierCV(LogisticRegression(), calibration=calibration, **common)
    fixed.fit(X, y)
    brier_raw = brier_score_loss(y_test, raw.predict_proba(X_test)[:, 1])
    brier_fixed = brier_score_loss(y_test, fixed.predict_proba(X_test)[:, 1])
    assert brier_fixed < 0.8 * brier_raw
    # the balanced resampling doubled... the minority's share: the prior ratio says so
    share = y.mean()
    np.testing.assert_allclose(fixed.prior_ratio_, [(1 - share) / 0.5, share / 0.5], rtol=0.02)
    probabilities = fixed.predict_proba(X_test)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert probabilities.min() >= 0 and probabilities.max() <= 1


def test_threshold_maximizes_the_metric_on_the_out_of_fold_probabilities():
    X, y = _data(n=800, seed=1)
    model = ResampledClassifierCV(  # isotonic: a step map, few enough cuts to try them all
        LogisticRegression(),
        sampler=RandomOverSampler(random_state=0),
        calibration="isotonic",
        random_state=0,
    ).fit(X, y)
    scores = model.calibrated_oof_scores_[:, 1]
    best = max(f1_score(y, scores >= t) for t in np.unique(scores))
    assert model.best_score_ == pytest.approx(best)
    assert f1_score(y, scores >= model.threshold_) == pytest.approx(best)
    assert not np.isin(model.threshold_, scores)  # halfway between two scores
    proba = model.predict_proba(X)[:, 1]
    np.testing.assert_array_equal(model.predict(X), (proba > model.threshold_).astype(int))
    for threshold, expected in ((0.3, 0.3), ("default", 0.5)):
        fixed = clone(model).set_params(threshold=threshold).fit(X, y)
        assert fixed.threshold_ == expected and np.isnan(fixed.best_score_)
    recall = clone(model).set_params(threshold="recall").fit(X, y)
    assert recall.threshold_ <= model.threshold_  # recall is highest at the lowest cut


def test_string_labels_and_pos_label():
    X, y = _data(n=500, seed=2)
    labels = np.where(y == 1, "bad", "good")  # the minority "bad" sorts first
    model = ResampledClassifierCV(
        LogisticRegression(), sampler=None, pos_label="bad", random_state=0
    ).fit(X, labels)
    assert list(model.classes_) == ["bad", "good"]
    predicted = model.predict(X)
    assert set(predicted) <= {"bad", "good"}
    np.testing.assert_array_equal(
        predicted == "bad", model.predict_proba(X)[:, 0] > model.threshold_
    )
    with pytest.raises(ValueError, match="pos_label='worse' is not a class"):
        clone(model).set_params(pos_label="worse").fit(X, labels)


@pytest.mark.parametrize("calibration", ["sigmoid", "isotonic", "prior", None])
def test_multiclass(calibration):
    X, y = _data(n=600, weights=(0.6, 0.3), seed=4, n_classes=3)
    model = ResampledClassifierCV(
        LogisticRegression(),
        sampler=RandomOverSampler(random_state=0),
        calibration=calibration,
        random_state=0,
    ).fit(X, y)
    proba = model.predict_proba(X)
    assert proba.shape == (600, 3) and np.isnan(model.threshold_)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.predict(X), model.classes_[proba.argmax(axis=1)])
    assert np.mean(model.predict(X) == y) > 0.6


def test_reproducible_picklable_and_grid_searchable():
    X, y = _data(n=300, seed=5)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    sampler = tiny(AutoregressiveOverSampler, max_steps=5)
    model = ResampledClassifierCV(LogisticRegression(), sampler=sampler, random_state=0)
    first = model.fit(frame, y).predict_proba(frame)
    again = clone(model).fit(frame, y).predict_proba(frame)
    np.testing.assert_array_equal(first, again)
    assert list(model.feature_names_in_) == list(frame.columns) and model.n_features_in_ == 5
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict_proba(frame), first)
    search = GridSearchCV(
        ResampledClassifierCV(LogisticRegression(), sampler=RandomOverSampler(), cv=2),
        {"calibration": ["sigmoid", "prior"]},
        scoring="neg_brier_score",
        cv=2,
    ).fit(X, y)
    assert search.best_params_["calibration"] in ("sigmoid", "prior")
    assert ResampledClassifierCV(LogisticRegression()).sampler == "auto"
    decision = model.decision_function(frame)
    np.testing.assert_array_equal(decision > 0, model.predict(frame) == 1)


def test_clear_errors():
    X, y = _data(n=200, weights=(0.97,), seed=6)
    with pytest.raises(ValueError, match=r"cv=10 folds need at least 10 rows of every class"):
        ResampledClassifierCV(LogisticRegression(), sampler=None, cv=10).fit(X, y)
    with pytest.raises(ValueError, match="needs an over-sampler"):
        ResampledClassifierCV(LogisticRegression(), sampler=RandomUnderSampler()).fit(X, y)
    with pytest.raises(ValueError, match="predict_proba"):
        ResampledClassifierCV(SVC(), sampler=None).fit(X, y)
    with pytest.raises(ValueError, match="at least two classes"):
        ResampledClassifierCV(LogisticRegression(), sampler=None).fit(X, np.zeros(len(y)))
    assert not hasattr(ResampledClassifierCV(RecordingClassifier()), "decision_function")


def _expected_failures(estimator):
    """Checks a deep sampler cannot pass on their data (not the wrapper's doing)."""
    if isinstance(estimator.sampler, AutoregressiveOverSampler):
        return {
            "check_fit2d_1feature": "its 10 rows leave a class one row in a training fold; "
            "a deep sampler needs two rows of a class it over-samples",
        }
    return {}


@parametrize_with_checks(
    [
        ResampledClassifierCV(
            LogisticRegression(), sampler=RandomOverSampler(random_state=0), cv=2, random_state=0
        ),
        ResampledClassifierCV(
            LogisticRegression(),
            sampler=tiny(AutoregressiveOverSampler, max_steps=3, validation_fraction=None),
            calibration="isotonic",
            cv=2,
            random_state=0,
        ),
    ],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
