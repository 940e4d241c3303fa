"""Mixed-type table encoding with an exact inverse.

The encoder turns a table of numeric, integer, boolean and categorical columns
(NaN allowed) into a float32 matrix and describes that matrix as data: a list of
:class:`Span` objects, each a contiguous block of encoded columns of one kind
(``"numeric"``, ``"binary"`` or ``"categorical"``). Model output layers and
likelihoods read the spans; nothing downstream looks at column names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import QuantileTransformer, StandardScaler
from sklearn.utils._param_validation import Integral, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._dtypes import add_offsets, cast_series, numeric_input, round_into
from ._validation import (
    align_columns,
    as_frame,
    from_pandas,
    integer_dtype,
    is_polars_frame,
    resolve_categorical,
    to_pandas,
)

NUMERIC, BINARY, CATEGORICAL = "numeric", "binary", "categorical"


@dataclass(frozen=True)
class Span:
    """A block of encoded columns.

    Parameters
    ----------
    start : int
        First encoded column of the block.
    width : int
        Number of encoded columns (1 for numeric and binary spans, the number of
        levels for categorical spans).
    kind : {"numeric", "binary", "categorical"}
        How the block is modelled: a real value, a 0/1 value or a one-hot vector.
    """

    start: int
    width: int
    kind: str

    @property
    def stop(self):
        return self.start + self.width


@dataclass
class _Column:
    """What the encoder learned about one input column."""

    name: object
    kind: str  # numeric / binary / categorical
    span: Span
    missing_span: Span | None = None  # binary indicator for NaN (numeric, binary)
    values: np.ndarray | None = None  # binary: (low, high); categorical: levels
    has_missing_level: bool = False  # categorical: last level stands for NaN
    integer: bool = False  # whole numbers: decoded values are rounded
    exact: np.dtype | None = None  # integer dtype seen in fit: values and bounds are exact
    boolean: bool = False
    bounds: tuple | None = None


def _missing_mask(series):
    return series.isna().to_numpy()


class TabularEncoder(TransformerMixin, BaseEstimator):
    """Encode a mixed-type table as a float32 matrix described by spans.

    - Numeric columns (float or integer) go through a quantile transform to a
      standard normal (or standard scaling) and become one ``"numeric"`` span.
      A numeric column with exactly two observed values becomes a ``"binary"``
      span that decodes back to those two values.
    - Boolean columns become ``"binary"`` spans.
    - Categorical columns become one-hot ``"categorical"`` spans over the levels
      seen in training.
    - Missing values are kept as data: a numeric or binary column with NaN gets
      an extra ``"binary"`` missing-indicator span (its value is set to 0 where
      missing); a categorical column with missing values gets a missing level.

    :meth:`inverse_transform` decodes model output back to the input's container
    (a polars DataFrame comes back as polars), column names, column order and
    dtypes (Arrow-backed, nullable and sparse ones included). Integer columns
    (and float columns whose values are all whole numbers) are rounded and
    clipped to the observed range; numeric columns are clipped to the observed
    range; categorical columns only take observed levels. On encoded training
    rows it returns the original table (up to floating point rounding of
    non-integer numbers; a NaN in a nullable or Arrow float column, which is
    modelled as missing, comes back as ``<NA>``).

    Parameters
    ----------
    categorical_features : "auto", array-like of str, int or bool, or None, default="auto"
        Which columns are categorical, as in :class:`~imblearn.over_sampling.SMOTENC`.
    numeric_transform : {"quantile", "standard"}, default="quantile"
        Scaling of numeric columns.
    n_quantiles : int, default=1000
        Maximum number of quantiles of the quantile transform.
    subsample : int, default=100_000
        Maximum number of rows used to estimate quantiles.
    random_state : int, RandomState instance or None, default=None
        Controls the subsampling of rows for the quantile estimate.

    Attributes
    ----------
    spans_ : list of Span
        Layout of the encoded matrix.
    n_encoded_ : int
        Number of encoded columns.
    columns_ : list
        What was learned about each input column.
    categorical_mask_ : ndarray of bool
        Columns modelled as categorical.
    """

    _parameter_constraints: dict = {
        "categorical_features": ["array-like", StrOptions({"auto"}), None],
        "numeric_transform": [StrOptions({"quantile", "standard"})],
        "n_quantiles": [Interval(Integral, 10, None, closed="left")],
        "subsample": [Interval(Integral, 10, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        categorical_features="auto",
        numeric_transform="quantile",
        n_quantiles=1000,
        subsample=100_000,
        random_state=None,
    ):
        self.categorical_features = categorical_features
        self.numeric_transform = numeric_transform
        self.n_quantiles = n_quantiles
        self.subsample = subsample
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None):
        """Learn the column kinds, levels, ranges and numeric scaling.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            The table to encode.
        y : None
            Ignored.

        Returns
        -------
        self : TabularEncoder
            The fitted encoder.
        """
        self._validate_params()
        source = to_pandas(X)
        frame = as_frame(source)
        if frame.shape[0] == 0:
            raise ValueError("Cannot encode an empty table.")
        self._record_container(X, source, frame)
        self.categorical_mask_ = resolve_categorical(frame, self.categorical_features)
        columns, numeric_values, start = [], [], 0
        for j, name in enumerate(frame.columns):
            series = frame[name]
            missing = _missing_mask(series)
            if missing.all():
                raise ValueError(f"Column {name!r} holds only missing values.")
            if self.categorical_mask_[j]:
                column, start = self._fit_categorical(name, series, missing, start)
            else:
                column, start, values = self._fit_numeric(name, series, missing, start)
                if values is not None:
                    numeric_values.append(values)
            columns.append(column)
        self.columns_ = columns
        self.n_encoded_ = start
        spans = []
        for column in columns:
            spans.append(column.span)
            if column.missing_span is not None:
                spans.append(column.missing_span)
        self.spans_ = spans
        self.scaler_ = None
        if numeric_values:
            self.scaler_ = self._make_scaler(frame.shape[0]).fit(np.column_stack(numeric_values))
        return self

    def _record_container(self, X, source, frame):
        """Remember what ``inverse_transform`` gives back: container, columns, dtypes.

        ``source`` is ``X`` as :func:`to_pandas` gives it (``X`` itself unless it
        is a polars or interchange table), ``frame`` as :func:`as_frame` gives
        it. The dtypes are the user's (Arrow-backed, sparse, ...), not those the
        columns are modelled in.
        """
        self.input_is_frame_ = isinstance(source, pd.DataFrame)
        self._restore_as(X)
        self.feature_names_ = list(frame.columns)
        self.n_features_in_ = frame.shape[1]
        self.dtypes_ = list(source.dtypes) if self.input_is_frame_ else None
        self.array_dtype_ = None if self.input_is_frame_ else np.asarray(source).dtype

    def _has_feature_names(self):
        return self.input_is_frame_ and all(isinstance(c, str) for c in self.feature_names_)

    def _restore_as(self, X):
        """Give decoded tables back as polars frames if ``X`` is one (else as pandas).

        ``fit`` calls it with its input; a sampler that fitted the encoder on
        the pandas form of a polars table calls it with the polars table.
        """
        self.polars_schema_ = X.schema if is_polars_frame(X) else None

    def _fit_categorical(self, name, series, missing, start):
        try:
            observed = pd.unique(series[~missing])
        except TypeError:  # dicts, lists, sets: values that cannot be a level
            kinds = sorted({type(v).__name__ for v in series[~missing]})
            raise TypeError(
                f"Column {name!r} holds values of type {kinds} that cannot be categories: "
                "the argument must be a string or a number in every cell."
            ) from None
        try:
            levels = np.sort(observed)
        except TypeError:  # mixed, unorderable levels
            levels = np.asarray(sorted(observed, key=str), dtype=object)
        if isinstance(series.dtype, pd.CategoricalDtype):
            levels = np.asarray(
                [c for c in series.dtype.categories if c in set(observed)], dtype=object
            )
        width = len(levels) + int(missing.any())
        column = _Column(
            name=name,
            kind=CATEGORICAL,
            span=Span(start, width, CATEGORICAL),
            values=np.asarray(levels, dtype=object),
            has_missing_level=bool(missing.any()),
        )
        return column, start + width

    def _fit_numeric(self, name, series, missing, start):
        is_bool = pd.api.types.is_bool_dtype(series.dtype)
        exact = integer_dtype(series)
        if is_bool:
            values = np.array([False, True], dtype=object)
            integer = True
        elif exact is not None:
            # integer dtypes keep their exact values: float64 holds only 53 bits
            values = np.unique(series[~missing].to_numpy(dtype=exact))
            integer = True
        else:
            values = np.unique(series[~missing].to_numpy(dtype=np.float64))
            integer = bool(np.all(np.mod(values, 1) == 0))
        kind = BINARY if is_bool or len(values) == 2 else NUMERIC
        column = _Column(
            name=name,
            kind=kind,
            span=Span(start, 1, kind),
            values=values if kind == BINARY else None,
            integer=integer,
            exact=exact,
            boolean=is_bool,
            bounds=None if is_bool else (values[0].item(), values[-1].item()),
        )
        start += 1
        if missing.any():
            column.missing_span = Span(start, 1, BINARY)
            start += 1
        numeric_values = numeric_input(column, series, missing) if kind == NUMERIC else None
        return column, start, numeric_values

    def _make_scaler(self, n_rows):
        if self.numeric_transform == "standard":
            return StandardScaler()
        return QuantileTransformer(
            n_quantiles=max(2, min(self.n_quantiles, n_rows)),
            output_distribution="normal",
            subsample=self.subsample,
            random_state=self.random_state,
        )

    # ------------------------------------------------------------ transform
    def transform(self, X):
        """Encode ``X`` to a float32 matrix of shape ``(n_samples, n_encoded_)``.

        A DataFrame is read by column name when the encoder was fitted on a
        DataFrame with string column names (scikit-learn's feature names): its
        columns may come in any order, and missing or unexpected columns raise
        a ``ValueError`` naming them. Other tables are read by position.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Rows with the columns seen in fit.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_encoded)
            The encoded rows: ``n_encoded_`` columns laid out as ``spans_`` describes.
        """
        check_is_fitted(self, "spans_")
        source = to_pandas(X)
        frame = as_frame(source)
        if self._has_feature_names() and isinstance(source, pd.DataFrame):
            frame = align_columns(frame, self.feature_names_, "X", "the table seen in fit")
        if frame.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {frame.shape[1]} features, but the encoder was fitted with "
                f"{self.n_features_in_}."
            )
        n = frame.shape[0]
        out = np.zeros((n, self.n_encoded_), dtype=np.float32)
        numeric_cols = []
        for j, column in enumerate(self.columns_):
            series = frame.iloc[:, j]
            missing = _missing_mask(series)
            if column.missing_span is not None:
                out[:, column.missing_span.start] = missing
            elif column.kind != CATEGORICAL and missing.any():
                raise ValueError(f"Column {column.name!r} has missing values not seen in fit.")
            if column.kind == CATEGORICAL:
                self._encode_categorical(column, series, missing, out)
            elif column.kind == BINARY:
                out[:, column.span.start] = self._encode_binary(column, series, missing)
            else:
                numeric_cols.append((column.span.start, numeric_input(column, series, missing)))
        if numeric_cols:
            starts = [s for s, _ in numeric_cols]
            scaled = self.scaler_.transform(np.column_stack([v for _, v in numeric_cols]))
            out[:, starts] = np.nan_to_num(scaled, nan=0.0)
        return out

    @staticmethod
    def _encode_binary(column, series, missing):
        """0 / 1 of a binary column; a numeric value goes to the nearer of the two.

        Values outside the pair are clipped as numeric columns are: below the
        smaller value gives 0, above the larger 1; between them, the nearer one
        (the larger at the midpoint).
        """
        if column.boolean:
            return series.astype("boolean").fillna(False).to_numpy(dtype=bool)
        low, high = column.bounds
        # exact distances from the smaller value for integer columns, floats otherwise
        values = numeric_input(column, series, missing)
        midpoint = (high - low) / 2 if column.exact is not None else low / 2 + high / 2
        return ~missing & (np.nan_to_num(values, nan=-np.inf) >= midpoint)

    def _encode_categorical(self, column, series, missing, out):
        levels = column.values
        # position of each value among the fitted levels, -1 for missing or unseen values
        codes = pd.Index(list(levels), dtype=object).get_indexer(series.astype(object))
        unknown = (codes < 0) & ~missing
        if unknown.any():
            bad = pd.unique(series[unknown])[:5]
            raise ValueError(
                f"Column {column.name!r} holds categories not seen in fit: {list(bad)}."
            )
        if column.has_missing_level:
            codes[missing] = len(levels)
        elif missing.any():
            raise ValueError(f"Column {column.name!r} has missing values not seen in fit.")
        out[np.arange(len(codes)), column.span.start + codes] = 1.0

    # ---------------------------------------------------- inverse transform
    def inverse_transform(self, Z):
        """Decode an encoded matrix to the container, columns and dtypes seen in fit.

        Numeric spans are read as values, binary spans are thresholded at 0.5 and
        categorical spans take their arg-max level, so raw model outputs decode
        too.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_encoded)
            Encoded rows (``n_encoded_`` columns).

        Returns
        -------
        X : ndarray or DataFrame of shape (n_samples, n_features)
            The container, columns and dtypes seen in fit.
        """
        check_is_fitted(self, "spans_")
        Z = np.asarray(Z)
        if Z.ndim != 2 or Z.shape[1] != self.n_encoded_:
            raise ValueError(f"Expected an encoded matrix with {self.n_encoded_} columns.")
        numeric = [c for c in self.columns_ if c.kind == NUMERIC]
        decoded_numeric = {}
        if numeric:
            raw = Z[:, [c.span.start for c in numeric]].astype(np.float64)
            raw = self.scaler_.inverse_transform(raw) if len(raw) else raw
            for k, column in enumerate(numeric):
                decoded_numeric[column.span.start] = raw[:, k]
        data = {}
        for j, column in enumerate(self.columns_):
            dtype = self.dtypes_[j] if self.input_is_frame_ else None
            data[j] = self._decode_column(column, Z, decoded_numeric, dtype)
        return self._to_container(data, Z.shape[0])

    def _decode_column(self, column, Z, decoded_numeric, dtype=None):
        span = column.span
        if column.kind == CATEGORICAL:
            codes = Z[:, span.start : span.stop].argmax(axis=1)
            levels = column.values
            if isinstance(dtype, pd.CategoricalDtype):  # straight to category codes
                lookup = np.append(dtype.categories.get_indexer(levels), -1)
                return pd.Categorical.from_codes(lookup[codes], dtype=dtype)
            values = np.empty(len(codes), dtype=object)
            observed = codes < len(levels)
            values[observed] = levels[codes[observed]]
            values[~observed] = np.nan
            return values
        if column.kind == BINARY:
            hits = Z[:, span.start] > 0.5
            values = np.where(hits, column.values[1], column.values[0])
        elif column.exact is not None:
            low, high = column.bounds
            offsets = round_into(decoded_numeric[span.start], 0, high - low)
            values = add_offsets(offsets, low, signed=column.exact.kind == "i")
        else:
            values = np.clip(decoded_numeric[span.start], *column.bounds)
            values = np.round(values) if column.integer else values
        if column.missing_span is not None:
            missing = Z[:, column.missing_span.start] > 0.5
            # integers go through object (exact) rather than float64 (53 bits)
            values = values.astype(np.float64 if values.dtype.kind == "f" else object)
            values[missing] = np.nan
        return values

    def _to_container(self, data, n_rows):
        if self.input_is_frame_:
            frame = pd.DataFrame(
                {name: data[j] for j, name in enumerate(self.feature_names_)},
                index=pd.RangeIndex(n_rows),
            )
            for name, dtype in zip(self.feature_names_, self.dtypes_):
                if frame[name].dtype != dtype:
                    frame[name] = cast_series(frame[name], dtype)
            if self.polars_schema_ is not None:
                return from_pandas(frame, self.polars_schema_)
            return frame
        dtype = self.array_dtype_
        if dtype.kind in "OUS":
            out = np.empty((n_rows, len(self.columns_)), dtype=object)
            for j in range(len(self.columns_)):
                out[:, j] = data[j]
            return out if dtype.kind == "O" else out.astype(dtype)
        out = np.empty((n_rows, len(self.columns_)), dtype=dtype)
        for j in range(len(self.columns_)):  # column by column: integers stay exact
            out[:, j] = data[j]
        return out
