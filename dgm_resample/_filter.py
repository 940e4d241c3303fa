"""Neighbour filter on generated rows.

A generated row of class c is judged by the real training rows closest to it in
the encoded space: it is kept when enough of them belong to c. Rows that land
where the real rows of other classes dominate are redrawn.
"""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import NearestNeighbors

#: the filter draws at most this many times the requested rows; what is still
#: missing then is filled with the rejected rows that have most neighbours of
#: their class
MAX_FILTER_DRAWS = 20
#: the index holds at most this many training rows, a sample that keeps every
#: class's share, so that judging a generated row costs the same on any table
MAX_INDEX_ROWS = 5000


class ClassNeighbors:
    """Nearest real training rows of generated rows, with their classes.

    Tables of more than ``max_rows`` rows are represented by a sample of that
    many rows in which every class keeps its share (at least one row), so the
    local class mixture the filter reads is unbiased and the cost of judging a
    row does not grow with the table.

    Parameters
    ----------
    max_rows : int, default=MAX_INDEX_ROWS
        Most training rows held in the index.
    random_state : int, default=0
        Seed of the sample of a larger table.

    Attributes
    ----------
    nn_ : NearestNeighbors
        Fitted on the encoded training rows of the index.
    codes_ : ndarray of int
        Class index (into the sampler's ``classes_``) of each row of the index.
    """

    def __init__(self, max_rows=MAX_INDEX_ROWS, random_state=0):
        self.max_rows, self.random_state = max_rows, random_state

    def fit(self, Z, codes):
        codes = np.asarray(codes)
        rows = _proportional_sample(codes, self.max_rows, self.random_state)
        if rows is not None:
            Z, codes = Z[rows], codes[rows]
        self.nn_ = NearestNeighbors().fit(Z)
        self.codes_ = codes
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

    def filter(self, rows, code, draw, n_neighbors, min_share):
        """Keep the rows with enough real neighbours of class ``code``; redraw the others.

        Rejected rows are replaced by new rows from ``draw(size)``, in rounds
        sized by the acceptance rate so far, until ``MAX_FILTER_DRAWS`` times
        the requested rows were drawn; kept rows stay in draw order. What is
        still missing then is filled with the rejected rows that have the most
        neighbours of class ``code``, so exactly ``len(rows)`` rows come back.

        Parameters
        ----------
        rows : ndarray of shape (n, n_encoded)
            First draw of encoded rows of class ``code``.
        code : int
            Class index of the rows.
        draw : callable
            ``draw(size)`` returns ``size`` new encoded rows of the class.
        n_neighbors : int
            Neighbours that judge each row.
        min_share : float in (0, 1]
            Share of them that must be of class ``code`` (see :meth:`required_count`).

        Returns
        -------
        kept : ndarray of shape (n, n_encoded)
        n_accepted : int
            Rows that met the rule, among all drawn (fewer than ``n``: some were filled in).
        n_drawn : int
            Rows drawn in all.
        """
        n = len(rows)
        need = self.required_count(n_neighbors, min_share)
        kept, rejected, counts = [], [], []
        candidates, n_drawn, n_accepted, n_kept = rows, n, 0, 0
        while True:
            own = self.own_class_counts(candidates, code, n_neighbors)
            ok = own >= need
            n_accepted += int(ok.sum())
            kept.append(candidates[ok][: n - n_kept])
            n_kept += len(kept[-1])
            rejected.append(candidates[~ok])
            counts.append(own[~ok])
            budget = MAX_FILTER_DRAWS * n - n_drawn
            if n_kept == n or budget <= 0:
                break
            rate = max(n_accepted / n_drawn, 0.1)
            size = min(int(np.ceil(1.5 * (n - n_kept) / rate)), budget)
            candidates = draw(size)
            n_drawn += size
        if n_kept < n:
            best = np.argsort(-np.concatenate(counts), kind="stable")[: n - n_kept]
            kept.append(np.concatenate(rejected)[best])
        return np.concatenate(kept), n_accepted, n_drawn


def _proportional_sample(codes, max_rows, seed):
    """Sorted indices of at most about ``max_rows`` rows keeping each class's share.

    ``None`` when all rows fit. Each class keeps ``round(max_rows * share)``
    rows, and at least one.
    """
    if len(codes) <= max_rows:
        return None
    rng = np.random.RandomState(seed)
    labels, counts = np.unique(codes, return_counts=True)
    chosen = []
    for label, count in zip(labels, counts):
        take = min(count, max(1, round(max_rows * count / len(codes))))
        chosen.append(rng.choice(np.flatnonzero(codes == label), size=take, replace=False))
    return np.sort(np.concatenate(chosen))
