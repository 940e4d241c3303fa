"""imbalanced-learn's and scikit-learn's estimator checks on every sampler."""

from _helpers import SAMPLERS, tiny
from imblearn.utils.estimator_checks import parametrize_with_checks as imblearn_checks
from sklearn.utils.estimator_checks import parametrize_with_checks as sklearn_checks

INSTANCES = [tiny(cls) for cls in SAMPLERS]


@imblearn_checks(INSTANCES)
def test_imblearn_compatible(estimator, check):
    check(estimator)


@sklearn_checks(INSTANCES)
def test_sklearn_compatible(estimator, check):
    check(estimator)
