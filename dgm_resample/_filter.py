"""Neighbour filter on generated rows.

A generated row of class c is judged by the real training rows closest to it in
the encoded space: it is kept when enough of them belong to c. Rows that land
where the real rows of other classes dominate are redrawn.
"""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import NearestNeighbors


class ClassNeighbors:
    """Nearest real training rows of generated rows, with their classes.

    Attributes
    ----------
    nn_ : NearestNeighbors
        Fitted on the encoded training rows.
    codes_ : ndarray of int
        Class index (into the sampler's ``classes_``) of each training row.
    """

    def fit(self, Z, codes):
        self.nn_ = NearestNeighbors().fit(Z)
        self.codes_ = np.asarray(codes)
        return self

    def _k(self, n_neighbors):
        """Neighbours actually asked: at most the number of fitted rows."""
        return min(int(n_neighbors), len(self.codes_))

    def own_class_counts(self, Z, code, n_neighbors):
        """How many of the ``n_neighbors`` closest training rows of each row of ``Z`` have ``code``."""
        index = self.nn_.kneighbors(Z, n_neighbors=self._k(n_neighbors), return_distance=False)
        return (self.codes_[index] == code).sum(axis=1)

    def required_count(self, n_neighbors, min_share):
        """Own-class rows a generated row needs among its ``n_neighbors`` closest.

        ``min_share`` of the neighbours actually asked, rounded up, and at least one.
        """
        return max(1, int(np.ceil(min_share * self._k(n_neighbors) - 1e-9)))
