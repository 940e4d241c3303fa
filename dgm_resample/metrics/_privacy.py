"""Privacy: does a generator copy its training rows (distance to closest record)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from imblearn.utils import Substitution
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import validate_params

from ._tables import (
    DOCS,
    canonical,
    encode,
    param_constraints,
    row_hashes,
    subsample,
    validate_tables,
)


@dataclass
class DCRResult:
    """Distance to closest record (memorization check).

    Attributes
    ----------
    dcr_synthetic : float
        Median distance of a synthetic row to its closest training row.
    dcr_holdout : float
        Median distance of a held-out real row to its closest training row.
    ratio : float
        ``dcr_synthetic / dcr_holdout``: about 1 or above when the generator
        does not copy, well below 1 when synthetic rows sit on training rows.
        ``NaN`` when ``dcr_holdout`` is 0.
    exact_copy_rate : float
        Fraction of synthetic rows identical to a training row (all columns,
        missing values equal to missing values), counted on the full tables.
    """

    dcr_synthetic: float
    dcr_holdout: float
    ratio: float
    exact_copy_rate: float


def exact_copy_rate(train, synthetic, categorical):
    """Fraction of synthetic rows identical to a training row (missing equals missing).

    Integer columns are compared exactly, also beyond 2**53.
    """
    canon_t, canon_s = canonical([train, synthetic], categorical, exact=True)
    return float(np.isin(row_hashes(canon_s), row_hashes(canon_t)).mean())


def closest_record_distances(train, synthetic, holdout, categorical):
    """Median distances of synthetic and held-out rows to their closest training row.

    Returns ``(dcr_synthetic, dcr_holdout, ratio)`` on the shared encoding scaled
    with ``train``; the ratio is ``NaN`` when ``dcr_holdout`` is 0.
    """
    Xt, Xs, Xh = encode([train, synthetic, holdout], categorical)
    nn = NearestNeighbors(n_neighbors=1).fit(Xt)
    d_s = float(np.median(nn.kneighbors(Xs)[0][:, 0]))
    d_h = float(np.median(nn.kneighbors(Xh)[0][:, 0]))
    return d_s, d_h, d_s / d_h if d_h > 0 else float("nan")


@validate_params(
    param_constraints("train", "synthetic", "holdout"), prefer_skip_nested_validation=True
)
@Substitution(**DOCS)
def distance_to_closest_record(
    train, synthetic, holdout, *, categorical_features="auto", max_rows=10_000, random_state=None
):
    """Distance to closest record of synthetic rows versus held-out real rows.

    For every synthetic row, the Euclidean distance to its nearest training row
    is computed on the shared encoding (scaled with the training table); the
    same is done for held-out real rows never seen by the generator. A
    generator that copies training rows has synthetic distances well below the
    held-out ones. Exact copies are counted separately by hashing the full rows.

    Parameters
    ----------
    train : DataFrame or array-like of shape (n_train, n_features)
        Real rows the generator was trained on.
    synthetic : DataFrame or array-like of shape (n_synthetic, n_features)
        Generated rows.
    holdout : DataFrame or array-like of shape (n_holdout, n_features)
        Real rows from the same distribution not used for training.
    {categorical_features}
    max_rows : int or None, default=10_000
        Subsample each table to at most this many rows for the distances (the
        exact-copy rate always uses all rows). Synthetic and held-out rows are
        compared with the same training subsample, so the ratio stays fair.
    random_state : int, RandomState instance or None, default=None
        Controls the subsampling.

    Returns
    -------
    result : DCRResult
        Median distances, their ratio and the exact-copy rate.
    """
    (train, synthetic, holdout), categorical = validate_tables(
        [train, synthetic, holdout], ["train", "synthetic", "holdout"], categorical_features
    )
    exact = exact_copy_rate(train, synthetic, categorical)
    rng = check_random_state(random_state)
    train, synthetic, holdout = (subsample(t, max_rows, rng) for t in (train, synthetic, holdout))
    return DCRResult(*closest_record_distances(train, synthetic, holdout, categorical), exact)
