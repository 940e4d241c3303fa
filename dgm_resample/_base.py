"""The base class shared by every deep generative over-sampler.

``_fit_resample`` is one template: encode the table, derive seeds from one
random state, train the model(s), sample the requested rows per class under
hard label conditioning, decode, and append them after the original rows.
A concrete sampler only says which model to build (``_build_model``).
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import pandas as pd
import torch
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_target_type
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_consistent_length

from ._constraints import Device, Integer
from ._deprecation import check_renamed
from ._encoding import TabularEncoder
from ._filter import ClassNeighbors
from ._training import (
    Progress,
    TrainConfig,
    fit_loop,
    make_generator,
    resolve_device,
    split_validation,
    torch_threads,
)
from ._validation import (
    as_frame,
    class_label,
    from_pandas,
    is_polars_frame,
    is_polars_series,
    polars_series_like,
    to_pandas,
)
from .nn.rng import local_draws

#: classes to over-sample need at least this many rows
MIN_CLASS_ROWS = 2
#: tries to replace non-finite generated rows before giving up
MAX_RESAMPLE_TRIES = 10
#: rows generated per call of the model (bounds the memory of large draws; the
#: measurement behind the size is in docs/dev/speed.md, "The neighbour index and
#: the generation chunks")
GENERATION_CHUNK = 8192
_SEED_MAX = np.iinfo(np.int32).max


def _label(label):
    """Readable form of a class label for messages (numpy scalars as Python values)."""
    return repr(label.item() if isinstance(label, np.generic) else label)


def _labels(labels):
    """Readable list of class labels for messages: ``[0, 1]``, ``['no', 'yes']``."""
    return "[" + ", ".join(_label(label) for label in labels) + "]"


def _random_state(random_state):
    """``check_random_state``, except that ``None`` draws fresh OS entropy.

    ``check_random_state(None)`` returns NumPy's global generator; reading it
    would change the user's global random state.
    """
    if random_state is None:
        return np.random.RandomState(np.random.SeedSequence().generate_state(1)[0])
    return check_random_state(random_state)


class BaseDGMOverSampler(BaseOverSampler):
    """Base class of the class-conditional deep generative over-samplers.

    Not to be used directly; subclasses implement ``_build_model``.
    """

    #: parameters that only shape generation, mapped to the keyword of the model's
    #: ``sample`` they are passed as at every draw: ``set_params`` on a fitted
    #: sampler applies to later draws without refitting, and drawing never
    #: changes a fitted model
    _sampling_parameters: dict = {}

    #: deprecated parameter names mapped to the names that replaced them (read
    #: through ``_deprecation.renamed_value``; a value given to one warns at fit)
    _renamed_parameters: dict = {}

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "random_state": ["random_state"],
        "categorical_features": ["array-like", StrOptions({"auto"}), None],
        "conditioning": [StrOptions({"joint", "per_class"})],
        "max_steps": [Integer(1)],
        "batch_size": [Integer(1)],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "validation_fraction": [Interval(numbers.Real, 0, 0.5, closed="left"), None],
        "patience": [Integer(1), None],
        "device": [Device(), torch.device],
        "n_threads": [Integer(1), None],
        "verbose": ["verbose", StrOptions({"auto"})],
        "filter_neighbors": [Integer(1), None],
        "filter_min_share": [Interval(numbers.Real, 0, 1, closed="right")],
    }

    # no defaults here: each sampler's signature is the one source of its defaults
    def __init__(
        self,
        *,
        sampling_strategy,
        random_state,
        categorical_features,
        conditioning,
        max_steps,
        batch_size,
        learning_rate,
        validation_fraction,
        patience,
        device,
        n_threads,
        verbose,
        filter_neighbors,
        filter_min_share,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.categorical_features = categorical_features
        self.conditioning = conditioning
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.device = device
        self.n_threads = n_threads
        self.verbose = verbose
        self.filter_neighbors = filter_neighbors
        self.filter_min_share = filter_min_share

    # ------------------------------------------------------------ hooks
    def _build_model(self, spans, n_classes):
        """Return a fresh :class:`~dgm_resample.nn.TabularModel` for the layout."""
        raise NotImplementedError

    # ------------------------------------------------------- validation
    def _check_X_y(self, X, y, accept_sparse=None):
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        if hasattr(X, "toarray") or hasattr(X, "tocsr"):
            raise TypeError(
                f"{type(self).__name__} does not accept sparse input; pass a dense array "
                "or a DataFrame."
            )
        X = to_pandas(X)
        frame = as_frame(X)
        check_consistent_length(frame, y)
        if frame.shape[0] == 0:
            raise ValueError(
                f"Found array with 0 sample(s) (shape={frame.shape}) while a minimum of 1 is required."
            )
        if frame.shape[1] == 0:
            raise ValueError(
                f"Found array with 0 feature(s) (shape={frame.shape}) while a minimum of 1 is required."
            )
        self._set_feature_info(X, frame)
        if not isinstance(X, pd.DataFrame):
            X = np.asarray(X)
        return X, y, binarize_y

    def _set_feature_info(self, X, frame):
        self.n_features_in_ = frame.shape[1]
        if isinstance(X, pd.DataFrame) and all(isinstance(c, str) for c in X.columns):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

    def _check_class_sizes(self, y):
        counts = dict(zip(*np.unique(y, return_counts=True)))
        for label, n_new in self.sampling_strategy_.items():
            if n_new > 0 and counts.get(label, 0) < MIN_CLASS_ROWS:
                raise ValueError(
                    f"Class {_label(label)} has {counts.get(label, 0)} sample(s); "
                    f"{type(self).__name__} needs at least {MIN_CLASS_ROWS} to learn "
                    "from. Drop the class from sampling_strategy or use "
                    "RandomOverSampler for it."
                )

    # ------------------------------------------------------------- fit
    def fit_resample(self, X, y, **params):
        """Resample the dataset.

        As in imbalanced-learn, with one addition: a polars ``X`` gives a polars
        DataFrame back (with its schema), and so does every later
        :meth:`sample`; a polars ``y`` gives a polars Series. Other
        dataframe-interchange tables are read as pandas DataFrames and come
        back as pandas.

        Parameters
        ----------
        X : array-like, DataFrame or polars DataFrame of shape (n_samples, n_features)
            The table to resample.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels, or one-hot rows.
        **params : dict
            Passed on to imbalanced-learn's ``fit_resample``.

        Returns
        -------
        X_resampled : ndarray, DataFrame or polars DataFrame of shape (n_samples_new, n_features)
            The original rows, then the generated ones; the container of ``X``.
        y_resampled : ndarray, Series or polars Series of shape (n_samples_new,)
            Their labels.
        """
        source, polars_y = to_pandas(X), is_polars_series(y)
        if source is X and not polars_y:
            return super().fit_resample(X, y, **params)
        # imbalanced-learn rebuilds the output from the input's type and dtypes and
        # knows no polars: resample the pandas form, convert back here
        X_res, y_res = super().fit_resample(source, y.to_numpy() if polars_y else y, **params)
        if is_polars_frame(X):
            self.encoder_._restore_as(X)
            X_res = from_pandas(X_res, X.schema)
        return X_res, polars_series_like(y_res, y) if polars_y else y_res

    def _train_config(self, description):
        return TrainConfig(
            max_steps=self.max_steps,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            patience=self.patience,
            verbose=self._progress_verbose(),
            description=description,
        )

    def _fit_model(self, Z, codes, n_classes, device, rng, description):
        """Build and train one model on encoded rows ``Z`` with class indices ``codes``."""
        seeds = rng.randint(_SEED_MAX, size=4)
        train_idx, valid_idx = split_validation(
            codes, self.validation_fraction, np.random.RandomState(seeds[0])
        )
        with local_draws():
            model = self._build_model(self.encoder_.spans_, n_classes)
        model = model.initialize(make_generator(seeds[3], "cpu")).to(device)
        x = torch.as_tensor(Z, device=device)
        c = torch.as_tensor(codes, dtype=torch.long, device=device)
        valid = torch.as_tensor(valid_idx, dtype=torch.long, device=device)
        train = torch.as_tensor(train_idx, dtype=torch.long, device=device)
        x_train, c_train = x[train], c[train]
        model.initialize_from_data(x_train, c_train)
        generator = make_generator(seeds[1], device)
        history = fit_loop(
            model,
            x_train,
            c_train,
            x[valid],
            c[valid],
            self._train_config(description),
            generator,
            valid_seed=int(seeds[2]),
        )
        return model.cpu(), history

    def _fit_resample(self, X, y):
        check_renamed(self)
        self._check_class_sizes(y)
        rng = _random_state(self.random_state)
        device = resolve_device(self.device)
        self.classes_ = np.unique(y)
        encoder_seed, sample_seed = rng.randint(_SEED_MAX, size=2)
        with torch_threads(self.n_threads):
            self.encoder_ = TabularEncoder(
                categorical_features=self.categorical_features, random_state=int(encoder_seed)
            ).fit(X)
            Z = self.encoder_.transform(X)
            codes = np.searchsorted(self.classes_, y)
            self.neighbors_ = ClassNeighbors(random_state=int(encoder_seed)).fit(Z, codes)
            self.models_, self.history_ = {}, []
            name = type(self).__name__
            if self.conditioning == "joint":
                model, history = self._fit_model(Z, codes, len(self.classes_), device, rng, name)
                self.models_ = {label: model for label in self.classes_}
                self.history_ = history
            else:
                for label, n_new in self.sampling_strategy_.items():
                    if n_new <= 0:
                        continue
                    rows = y == label
                    model, history = self._fit_model(
                        Z[rows],
                        np.zeros(rows.sum(), dtype=int),
                        1,
                        device,
                        rng,
                        f"{name}[{_label(label)}]",
                    )
                    self.models_[label] = model
                    self.history_ += [{"class": label, **record} for record in history]
            generator = make_generator(sample_seed, device)
            parts = [
                (self._generate_encoded(label, n_new, device, generator), label, n_new)
                for label, n_new in self.sampling_strategy_.items()
                if n_new > 0
            ]
        return self._append(X, y, parts)

    # -------------------------------------------------------- sampling
    def _condition(self, label, n, device):
        """Class indices fed to the model that generates ``label``."""
        index = (
            0 if self.conditioning == "per_class" else int(np.searchsorted(self.classes_, label))
        )
        return torch.full((n,), index, dtype=torch.long, device=device)

    def _generate_encoded(self, label, n, device, generator):
        """``n`` encoded rows of class ``label``, through the neighbour filter if set."""
        if n == 0:
            return np.zeros((0, self.encoder_.n_encoded_), dtype=np.float32)
        model = self.models_[label].to(device)
        try:
            out = self._draw_finite(model, label, n, device, generator)
            if self.filter_neighbors is not None:
                out = self._filter_rows(model, label, out, device, generator)
        finally:
            model.cpu()
        return out

    def _progress_verbose(self):
        """``verbose`` as :class:`~dgm_resample._training.Progress` reads it."""
        return self.verbose if self.verbose == "auto" else bool(self.verbose)

    def _sampling_settings(self):
        """Keyword arguments of the model's ``sample`` from the sampling parameters."""
        return {key: getattr(self, param) for param, key in self._sampling_parameters.items()}

    def _draw_finite(self, model, label, n, device, generator):
        """``n`` rows from ``model`` as a NumPy array; non-finite rows are redrawn.

        Drawn in chunks of ``GENERATION_CHUNK`` rows, so the memory of a draw
        does not grow with ``n``.
        """
        if n > GENERATION_CHUNK:
            sizes = [GENERATION_CHUNK] * (n // GENERATION_CHUNK) + [n % GENERATION_CHUNK]
            description = f"{type(self).__name__}: class {_label(label)}"
            progress = Progress(n, description, self._progress_verbose(), unit="row")
            parts = []
            try:
                for k in filter(None, sizes):
                    parts.append(self._draw_finite(model, label, k, device, generator))
                    progress.update(k)
            finally:
                progress.close()
            return np.concatenate(parts)
        settings = self._sampling_settings()
        out = model.sample(n, self._condition(label, n, device), generator, **settings)
        for _ in range(MAX_RESAMPLE_TRIES):
            bad = ~torch.isfinite(out).all(dim=1)
            n_bad = int(bad.sum())
            if not n_bad:
                return out.cpu().numpy()
            cond = self._condition(label, n_bad, device)
            out[bad] = model.sample(n_bad, cond, generator, **settings)
        raise FloatingPointError(
            f"The model for class {_label(label)} keeps generating non-finite values."
        )

    def _filter_rows(self, model, label, out, device, generator):
        """Keep the rows of ``out`` with enough real neighbours of class ``label``."""
        code = int(np.searchsorted(self.classes_, label))
        kept, n_accepted, n_drawn = self.neighbors_.filter(
            out,
            code,
            lambda size: self._draw_finite(model, label, size, device, generator),
            self.filter_neighbors,
            self.filter_min_share,
        )
        if n_accepted < len(out):
            warnings.warn(
                f"{type(self).__name__}: the neighbour filter accepted {n_accepted} of the "
                f"{n_drawn} rows drawn for class {_label(label)} ({n_accepted / n_drawn:.1%}); "
                f"the other {len(out) - n_accepted} of the {len(out)} rows are the rejected "
                "rows with the most real neighbours of that class. Lower filter_min_share or "
                "filter_neighbors, or set filter_neighbors=None to keep every generated row.",
                UserWarning,
                stacklevel=4,
            )
        return kept

    def _append(self, X, y, parts):
        """Original rows first, then the decoded synthetic rows of each class.

        A DataFrame always comes back with a fresh ``RangeIndex``, as from the
        imbalanced-learn samplers, whether or not rows were added.
        """
        if not parts:
            return (X.reset_index(drop=True) if isinstance(X, pd.DataFrame) else X), y
        synthetic = self.encoder_.inverse_transform(np.vstack([p[0] for p in parts]))
        y_new = np.concatenate([np.full(n, label, dtype=y.dtype) for _, label, n in parts])
        if isinstance(X, pd.DataFrame):
            original = X.reset_index(drop=True)
            X_res = pd.concat([original, synthetic], ignore_index=True)
            X_res = X_res.astype(dict(zip(X.columns, X.dtypes)))
        else:
            X_res = np.concatenate([X, synthetic], axis=0).astype(X.dtype, copy=False)
        return X_res, np.concatenate([y, y_new])

    def _sampling_device(self):
        """Device for generating from a fitted sampler.

        A sampler fitted on a GPU is stored on the CPU; where CUDA is missing
        (a pickled sampler loaded on a CPU-only machine) it samples on the CPU
        with a warning instead of failing. CPU and GPU random streams differ,
        so the rows differ from those the GPU would give for the same seed.
        """
        try:
            return resolve_device(self.device)
        except ValueError:
            warnings.warn(
                f"{type(self).__name__} was set to device={self.device!r} but CUDA is not "
                "available; generating on the CPU.",
                UserWarning,
                stacklevel=3,
            )
            return torch.device("cpu")

    def _sample_request(self, n_samples, y):
        """Check a ``sample`` call on a fitted sampler; the class label it names."""
        _check_trained(self)
        self._validate_params()
        y = class_label(y, self.classes_)
        if (
            not isinstance(n_samples, numbers.Integral)
            or isinstance(n_samples, bool)
            or n_samples < 0
        ):
            raise ValueError(f"n_samples must be a non-negative integer, got {n_samples!r}.")
        if y not in self.models_:
            raise ValueError(
                f"No model can generate class {_label(y)}; fitted classes: {_labels(self.models_)}."
            )
        return y

    def sample(self, n_samples, y, random_state=None):
        """Generate ``n_samples`` new rows of class ``y`` from the fitted model.

        Parameters
        ----------
        n_samples : int
            Number of rows to generate.
        y : label
            A class the sampler was fitted to generate (or its one-hot row,
            for a sampler fitted on one-hot labels).
        random_state : int, RandomState instance or None, default=None
            Seed of the generation; the same value gives the same rows.

        Returns
        -------
        X_new : ndarray, DataFrame or polars DataFrame of shape (n_samples, n_features)
            The same container, columns and dtypes as the fitted ``X``.
        """
        y = self._sample_request(n_samples, y)
        device = self._sampling_device()
        seed = _random_state(random_state).randint(_SEED_MAX)
        with torch_threads(self.n_threads):
            Z = self._generate_encoded(y, int(n_samples), device, make_generator(seed, device))
        return self.encoder_.inverse_transform(Z)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.non_deterministic = False
        return tags


def _check_trained(sampler):
    """Raise ``NotFittedError`` unless ``fit_resample`` has trained the models.

    ``fit`` only validates the input, as in imbalanced-learn, and trains nothing.
    """
    if not hasattr(sampler, "models_"):
        raise NotFittedError(
            f"This {type(sampler).__name__} has no trained models yet: call "
            "fit_resample(X, y) first (fit only checks the input, as in imbalanced-learn)."
        )
