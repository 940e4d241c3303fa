"""Fidelity and privacy metrics for synthetic tabular data.

Every metric compares a real table with a synthetic table of the same schema.
Tables may be pandas DataFrames (numeric, integer, boolean, categorical,
object or string columns, missing values allowed, in NumPy, nullable or
Arrow-backed dtypes), polars DataFrames or 2D numpy arrays; the same values
score the same in any of these dtypes.

Fidelity
    :func:`detection_score`, :func:`marginal_distance`,
    :func:`dependence_distance`, :func:`precision_recall`.
Privacy (memorization)
    :func:`distance_to_closest_record`.
Benchmark summary
    :func:`evaluate_synthetic` computes all of them in one call and returns a
    flat ``dict`` of floats.

All tables are brought to a common numeric matrix by one private encoder
(``_tables.encode``): numeric columns are standardized with the real table's
mean and standard deviation, missing numeric values are imputed with that mean
and flagged by an indicator column, categorical columns are one-hot encoded
with missing values as their own level.
"""

from ._dependence import DependenceDistance, dependence_distance
from ._evaluate import evaluate_synthetic
from ._fidelity import (
    MarginalDistance,
    PrecisionRecall,
    detection_score,
    marginal_distance,
    precision_recall,
)
from ._privacy import DCRResult, distance_to_closest_record

__all__ = [
    "DCRResult",
    "DependenceDistance",
    "MarginalDistance",
    "PrecisionRecall",
    "dependence_distance",
    "detection_score",
    "distance_to_closest_record",
    "evaluate_synthetic",
    "marginal_distance",
    "precision_recall",
]
