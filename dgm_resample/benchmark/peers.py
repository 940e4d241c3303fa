"""Other tabular generators as imbalanced-learn over-samplers: the benchmark's peers.

CTGAN and TVAE (package ``ctgan``), adversarial random forests (``arfpy``)
and ForestFlow (``ForestDiffusion``) wrapped so that the benchmark can run
them beside its own samplers (strategies ``ctgan``, ``tvae``, ``arf`` and
``forestflow``; extra ``peers``). Each wrapper is fitted on the rows it is
given only, adds exactly the rows ``sampling_strategy`` asks for per class and
gives the table back with the columns and dtypes it came with.

Every package sees the same table: the rows go through
:class:`~dgm_resample.TabularEncoder` (standard scaling, so a package gets each
numeric column as it was up to an affine map, which none of them is sensitive
to) and each encoded block becomes one column of a plain table: numbers as
floats, binary and categorical columns as integer codes the package is told
are discrete. A missing value becomes a discrete missing-indicator column (the
number itself set to the column's mean) or a missing level of a categorical
column, so a package models where values are missing even where it cannot
take NaN (CTGAN refuses NaN in continuous columns, ARF and ForestFlow never
generate one). The package's rows are decoded by the same encoder: integers
rounded and clipped to the range seen in fit, categories among the levels
seen, NaN where the indicator says so.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import numbers
from importlib import metadata

import numpy as np
import pandas as pd
from imblearn.over_sampling.base import BaseOverSampler
from sklearn.utils._param_validation import Interval, StrOptions

from .._base import _SEED_MAX, BaseDGMOverSampler, _label, _random_state
from .._constraints import Integer
from .._encoding import TabularEncoder
from .._training import torch_threads

#: what installs every peer's package
EXTRA = 'pip install "dgm-resample[peers]"'
#: rounds of drawing before a joint model's rows of one class are given up on
MAX_DRAW_ROUNDS = 10
#: the smallest share of accepted rows the size of the next draw is planned with
MIN_ACCEPTANCE = 0.01
#: name of the label column of a joint model's table (the others are "x0", "x1", ...)
LABEL = "label"


class PeerUnavailable(ImportError):
    """A peer's package is missing or cannot run with the installed packages."""


def _version(distribution):
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def _require(module, distribution, owner):
    """Import ``module``; a missing or broken package raises :class:`PeerUnavailable`."""
    try:
        return importlib.import_module(module)
    except Exception as exc:  # a package broken by today's dependencies fails in many ways
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise PeerUnavailable(
            f"{owner} needs the package {distribution!r}, which cannot be imported "
            f"({type(exc).__name__}: {reason}); {EXTRA}"
        ) from None


@contextlib.contextmanager
def seeded_global_numpy(seed):
    """Seed NumPy's global generator inside the block, then restore the user's state.

    For the packages that draw from the global generator only (arfpy, and
    ForestDiffusion, which seeds it itself): their draws are reproducible and
    the caller's global stream is the same afterwards. Not thread-safe: two
    threads in such a block at once share the global generator.
    """
    state = np.random.get_state()
    np.random.seed(int(seed) % 2**32)
    try:
        yield
    finally:
        np.random.set_state(state)


class _Fitted:
    """One fitted package model with the columns it was not shown (constant in its rows)."""

    def __init__(self, model, columns, constant):
        self.model = model
        self.columns = columns
        self.constant = constant


class PeerOverSampler(BaseDGMOverSampler):
    """Base class of the peer wrappers (not to be used directly).

    It keeps the input checks, the polars round trip and the appending of rows
    of :class:`~dgm_resample._base.BaseDGMOverSampler` and replaces its training
    template: encode, fit the package on a plain table (jointly with the label
    as a discrete column, or once per over-sampled class), draw, decode.
    Subclasses implement ``_import``, ``_fit_table`` and ``_draw_table``.
    """

    #: what ``conditioning="joint"`` does: whether the package can condition
    #: its draws on the label column (otherwise draws are unconditional)
    _conditional = False

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "random_state": ["random_state"],
        "categorical_features": ["array-like", StrOptions({"auto"}), None],
        "conditioning": [StrOptions({"joint", "per_class"})],
        "verbose": ["verbose"],
        "model_params": [dict, None],
    }

    # ------------------------------------------------------------ hooks
    def _import(self):
        """The package's module; raises :class:`PeerUnavailable` when it cannot run."""
        raise NotImplementedError

    def _fit_table(self, module, table, discrete, seed):
        """A fitted model of the package on ``table`` (``discrete``: its discrete columns)."""
        raise NotImplementedError

    def _draw_table(self, module, model, n, seed, condition):
        """``n`` rows of ``model`` with the columns it was fitted on.

        ``condition`` is ``(column, code)`` for a joint model of a package that
        can condition on the label, else ``None``.
        """
        raise NotImplementedError

    def _model_params(self):
        return dict(self.model_params or {})

    # ------------------------------------------------------------- fit
    def _fit_resample(self, X, y):
        module = self._import()
        self._check_class_sizes(y)
        rng = _random_state(self.random_state)
        self.classes_ = np.unique(y)
        encoder_seed, sample_seed = rng.randint(_SEED_MAX, size=2)
        self.encoder_ = TabularEncoder(
            categorical_features=self.categorical_features,
            numeric_transform="standard",
            random_state=int(encoder_seed),
        ).fit(X)
        codes = np.searchsorted(self.classes_, y)
        joint = self.conditioning == "joint"
        Z = self.encoder_.transform(X)
        table = _to_table(Z, self.encoder_.spans_, codes if joint else None)
        discrete = [c for c, s in zip(table.columns, self.encoder_.spans_) if s.kind != "numeric"]
        self.models_ = {}
        if joint:
            fitted = self._fit(module, table, [*discrete, LABEL], rng)
            self.models_ = {c: fitted for c in self.classes_}
        else:
            for c, n_new in self.sampling_strategy_.items():
                if n_new > 0:
                    rows = table[np.asarray(y == c)].reset_index(drop=True)
                    self.models_[c] = self._fit(module, rows, discrete, rng)
        sample_rng = np.random.RandomState(sample_seed)
        parts = [
            (self._generate_encoded(module, c, n_new, sample_rng), c, n_new)
            for c, n_new in self.sampling_strategy_.items()
            if n_new > 0
        ]
        return self._append(X, y, parts)

    def _fit(self, module, table, discrete, rng):
        """Fit the package on the columns of ``table`` that vary; remember the others."""
        constant = {c: table[c].iloc[0] for c in table.columns if table[c].nunique() <= 1}
        varying = [c for c in table.columns if c not in constant]
        model = None
        if varying:
            seed = int(rng.randint(_SEED_MAX))
            shown = table[varying]
            model = self._fit_table(module, shown, [c for c in discrete if c in varying], seed)
        return _Fitted(model, list(table.columns), constant)

    def _draw(self, module, fitted, n, rng, condition=None):
        seed = int(rng.randint(_SEED_MAX))
        out = None
        if fitted.model is not None:
            if condition is not None and condition[0] in fitted.constant:
                condition = None
            out = self._draw_table(module, fitted.model, n, seed, condition)
        data = {
            c: np.full(n, fitted.constant[c]) if c in fitted.constant else out[c].to_numpy()
            for c in fitted.columns
        }
        return pd.DataFrame(data, index=pd.RangeIndex(n))

    # -------------------------------------------------------- sampling
    def _generate_encoded(self, module, label, n, rng):
        """``n`` encoded rows of class ``label``.

        A per-class model's rows are all of its class. A joint model's rows
        carry a generated label: the rows of another class are rejected and
        drawn again (conditioned on the label where the package can), at most
        ``MAX_DRAW_ROUNDS`` times.
        """
        fitted = self.models_[label]
        spans = self.encoder_.spans_
        if n == 0:
            return np.zeros((0, self.encoder_.n_encoded_), dtype=np.float32)
        if self.conditioning != "joint":
            return _from_table(self._draw(module, fitted, n, rng), spans, self.encoder_.n_encoded_)
        code = int(np.searchsorted(self.classes_, label))
        condition = (LABEL, code) if self._conditional else None
        kept, n_kept, n_drawn = [], 0, 0
        for _ in range(MAX_DRAW_ROUNDS):
            share = n_kept / n_drawn if n_drawn else (1.0 if condition else 1 / len(self.classes_))
            size = math.ceil((n - n_kept) / max(share, MIN_ACCEPTANCE) * 1.1)
            out = self._draw(module, fitted, size, rng, condition)
            hits = out[_codes(out[LABEL]) == code]
            kept.append(hits)
            n_kept += len(hits)
            n_drawn += size
            if n_kept >= n:
                rows = pd.concat(kept, ignore_index=True).iloc[:n].drop(columns=[LABEL])
                return _from_table(rows, spans, self.encoder_.n_encoded_)
        raise RuntimeError(
            f"{type(self).__name__}: the joint model generated {n_kept} of the {n} rows "
            f"labelled {_label(label)} in {n_drawn} draws ({n_kept / n_drawn:.1%} accepted); "
            "conditioning='per_class' fits one model per over-sampled class instead."
        )

    def sample(self, n_samples, y, random_state=None):
        """Generate ``n_samples`` new rows of class ``y`` from the fitted model(s).

        Parameters
        ----------
        n_samples : int
            Number of rows to generate.
        y : label
            A class the sampler was fitted to generate.
        random_state : int, RandomState instance or None, default=None
            Seed of the generation; the same value gives the same rows where
            the package's draws can be seeded (see the class's notes).

        Returns
        -------
        X_new : ndarray, DataFrame or polars DataFrame of shape (n_samples, n_features)
            The same container, columns and dtypes as the fitted ``X``.
        """
        y = self._sample_request(n_samples, y)
        rng = _random_state(random_state)
        Z = self._generate_encoded(self._import(), y, int(n_samples), rng)
        return self.encoder_.inverse_transform(Z)


def _to_table(Z, spans, codes=None):
    """One column per span, named x0, x1, ...: floats for numbers, integer codes
    otherwise; with ``codes``, the class codes as a last column ``LABEL``."""
    data = {}
    for k, span in enumerate(spans):
        if span.kind == "numeric":
            data[f"x{k}"] = Z[:, span.start].astype(np.float64)
        elif span.kind == "binary":
            data[f"x{k}"] = (Z[:, span.start] > 0.5).astype(np.int64)
        else:
            data[f"x{k}"] = Z[:, span.start : span.stop].argmax(axis=1).astype(np.int64)
    if codes is not None:
        data[LABEL] = np.asarray(codes, dtype=np.int64)
    return pd.DataFrame(data, index=pd.RangeIndex(len(Z)))


def _codes(series):
    """Integer codes of a generated discrete column (category, float or int values)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    return np.round(np.nan_to_num(values, nan=-1.0)).astype(np.int64)


def _from_table(table, spans, n_encoded):
    """The encoded rows of a generated table (the inverse of :func:`_to_table`).

    A number the package gives as NaN or infinite is read as the column's mean
    (0 after standard scaling); a code outside a categorical column's levels
    as the nearest level.
    """
    n = len(table)
    Z = np.zeros((n, n_encoded), dtype=np.float32)
    for k, span in enumerate(spans):
        column = table.iloc[:, k]
        if span.kind == "numeric":
            values = pd.to_numeric(column, errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan
            )
            Z[:, span.start] = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
        elif span.kind == "binary":
            Z[:, span.start] = _codes(column) >= 1
        else:
            codes = np.clip(_codes(column), 0, span.width - 1)
            Z[np.arange(n), span.start + codes] = 1.0
    return Z


# ----------------------------------------------------------------- CTGAN, TVAE

_SHARED = """sampling_strategy : float, str, dict or callable, default="auto"
        As in imbalanced-learn's over-samplers: what to over-sample and how many
        rows to add per class.
    random_state : int, RandomState instance or None, default=None
        Seeds the encoder and every fit and draw of the package (seeds derived
        once per fit); ``None`` draws fresh OS entropy."""

_CATEGORICAL = """categorical_features : "auto", array-like or None, default="auto"
        Columns modelled as categorical (shown to the package as discrete
        columns): names, indices or a boolean mask, as in
        :class:`~imblearn.over_sampling.SMOTENC`; non-numeric columns always
        are. Binary columns and missing-value indicators are discrete too."""

_MODEL_PARAMS = """model_params : dict or None, default=None
        Further keyword arguments of the package's model ({target}); ``None``:
        its defaults. Keys given here override the wrapper's own parameters."""

_SEED_NOTE = """The seeds reach the package as follows: {how}. No global random state of
    the caller is changed after a fit or a draw."""


class _TorchPeer(PeerOverSampler):
    """CTGAN and TVAE: the package ``ctgan`` (torch)."""

    _parameter_constraints: dict = {
        **PeerOverSampler._parameter_constraints,
        "epochs": [Integer(1)],
        "batch_size": [Integer(2)],
        "n_threads": [Integer(1), None],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        categorical_features="auto",
        conditioning="joint",
        epochs=300,
        batch_size=500,
        n_threads=1,
        verbose=False,
        model_params=None,
    ):
        BaseOverSampler.__init__(self, sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.categorical_features = categorical_features
        self.conditioning = conditioning
        self.epochs = epochs
        self.batch_size = batch_size
        self.n_threads = n_threads
        self.verbose = verbose
        self.model_params = model_params

    _model_class = ""

    def _import(self):
        return _require("ctgan", "ctgan", type(self).__name__)

    def _fit_table(self, module, table, discrete, seed):
        params = {
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "verbose": bool(self.verbose),
        }
        params.update(self._model_params())
        model = getattr(module, self._model_class)(**params)
        model.set_random_state(seed)
        with torch_threads(self.n_threads):
            model.fit(table, discrete_columns=list(discrete))
        return model

    def _draw_table(self, module, model, n, seed, condition):
        model.set_random_state(seed)
        with torch_threads(self.n_threads):
            if condition is None:
                out = model.sample(n)
            else:
                out = model.sample(n, condition_column=condition[0], condition_value=condition[1])
        return out


class CTGANSampler(_TorchPeer):
    """Over-sample with CTGAN (Xu et al. 2019), package ``ctgan``.

    The conditional tabular GAN of the ``ctgan`` package (SDV), at the
    package's defaults. With ``conditioning="joint"`` (the default) one model
    is fitted on all rows with the label as a discrete column, and each class's
    rows are drawn with the label as CTGAN's condition (its conditional
    vector); the condition makes the class likely, not certain, so the rows
    whose generated label is another class are dropped and drawn again.

    Parameters
    ----------
    {shared}
    {categorical}
    conditioning : {{"joint", "per_class"}}, default="joint"
        ``"joint"``: one model, the label a conditioned discrete column;
        ``"per_class"``: one model per over-sampled class, fitted on that
        class's rows only.
    epochs : int, default=300
        Training epochs (the package's default).
    batch_size : int, default=500
        Rows per batch (the package's default; even, and a multiple of the
        package's ``pac``, 10).
    n_threads : int or None, default=1
        Torch intra-op threads during fit and sampling (restored afterwards);
        ``None`` keeps torch's setting. One thread, as for the ``dgm_resample``
        samplers: benchmark cells are the unit of parallelism.
    verbose : bool, default=False
        The package's progress output.
    {model_params}

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of rows generated per class.
    classes_ : ndarray
        Class labels seen in fit.
    encoder_ : TabularEncoder
        The fitted table encoding.
    models_ : dict
        Fitted package model per over-sampled class (the same one for every
        class with ``conditioning="joint"``).

    Notes
    -----
    The ``ctgan`` package is under the Business Source License 1.1
    (``BUSL-1.1``, DataCebo), not an open-source licence: free use except for
    offering a commercial synthetic data creation service; each release turns
    MIT four years after it. So is its dependency ``rdt``.

    {seeds}
    """

    _model_class = "CTGAN"
    _conditional = True


class TVAESampler(_TorchPeer):
    """Over-sample with TVAE (Xu et al. 2019), package ``ctgan``.

    The tabular VAE of the ``ctgan`` package, at the package's defaults. TVAE
    cannot condition its draws, so by default one model is fitted per
    over-sampled class on that class's rows. ``conditioning="joint"`` fits one
    model with the label as a discrete column and keeps the drawn rows of the
    wanted class (rejection sampling; a class of share p costs about 1/p draws
    per row).

    Parameters
    ----------
    {shared}
    {categorical}
    conditioning : {{"joint", "per_class"}}, default="per_class"
        ``"per_class"``: one model per over-sampled class; ``"joint"``: one
        model, the label a generated column, rejection sampling.
    epochs : int, default=300
        Training epochs (the package's default).
    batch_size : int, default=500
        Rows per batch (the package's default).
    n_threads : int or None, default=1
        Torch intra-op threads during fit and sampling (restored afterwards);
        ``None`` keeps torch's setting.
    verbose : bool, default=False
        The package's progress output.
    {model_params}

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of rows generated per class.
    classes_ : ndarray
        Class labels seen in fit.
    encoder_ : TabularEncoder
        The fitted table encoding.
    models_ : dict
        Fitted package model per over-sampled class.

    Notes
    -----
    The ``ctgan`` package is under the Business Source License 1.1 (see
    :class:`CTGANSampler`).

    {seeds}
    """

    _model_class = "TVAE"

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        categorical_features="auto",
        conditioning="per_class",
        epochs=300,
        batch_size=500,
        n_threads=1,
        verbose=False,
        model_params=None,
    ):
        super().__init__(
            sampling_strategy=sampling_strategy,
            random_state=random_state,
            categorical_features=categorical_features,
            conditioning=conditioning,
            epochs=epochs,
            batch_size=batch_size,
            n_threads=n_threads,
            verbose=verbose,
            model_params=model_params,
        )


_TORCH_SEEDS = _SEED_NOTE.format(
    how="the package's own ``set_random_state`` (a NumPy generator and a torch "
    "generator per model, swapped in for the package's calls and out again), "
    "so the same ``random_state`` gives the same rows on the same machine"
)
for _cls, _target in ((CTGANSampler, "``ctgan.CTGAN``"), (TVAESampler, "``ctgan.TVAE``")):
    _cls.__doc__ = _cls.__doc__.format(
        shared=_SHARED,
        categorical=_CATEGORICAL,
        model_params=_MODEL_PARAMS.format(target=_target),
        seeds=_TORCH_SEEDS,
    )


# ----------------------------------------------------------------------- ARF


class ARFSampler(PeerOverSampler):
    """Over-sample with adversarial random forests (Watson et al. 2023), package ``arfpy``.

    ``arfpy``'s ARF at the package's defaults (30 trees, up to 10 adversarial
    rounds, leaves of at least 5 rows, truncated normal densities in the
    leaves): ``arf`` learns the forest, ``forde`` the leaf densities, ``forge``
    draws. The package has no conditional sampling, so by default one forest
    is fitted per over-sampled class on that class's rows;
    ``conditioning="joint"`` fits one forest with the label as a categorical
    column and keeps the drawn rows of the wanted class (rejection sampling).

    Parameters
    ----------
    {shared}
    {categorical}
    conditioning : {{"joint", "per_class"}}, default="per_class"
        ``"per_class"``: one forest per over-sampled class; ``"joint"``: one
        forest, the label a generated column, rejection sampling.
    num_trees : int, default=30
        Trees per forest (the package's default).
    delta : float in [0, 0.5], default=0
        Convergence tolerance of the adversarial loop (the package's default).
    max_iters : int, default=10
        Most adversarial rounds (the package's default).
    min_node_size : int, default=5
        Fewest rows in a leaf (the package's default).
    n_jobs : int or None, default=None
        Jobs of each scikit-learn random forest (``None``: one).
    verbose : bool, default=False
        The package's accuracy print-out after each round (the package's
        default is ``True``).
    {model_params}

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of rows generated per class.
    classes_ : ndarray
        Class labels seen in fit.
    encoder_ : TabularEncoder
        The fitted table encoding.
    models_ : dict
        Fitted ``arfpy.arf.arf`` per over-sampled class.

    Notes
    -----
    ``arfpy`` (MIT) 0.1.1, its latest release, calls ``numpy.in1d``, which
    NumPy 2.4 removed: with NumPy 2.4 or later the sampler refuses to fit
    (:class:`PeerUnavailable`, one line) rather than fail inside the package;
    it runs with NumPy < 2.4 (checked with NumPy 2.3.5, pandas 3.1,
    scikit-learn 1.9). The package's ``forge`` reads column flags by position,
    which pandas 3 only allows on integer column names, so the package sees
    the columns named 0, 1, ...

    {seeds}
    """

    _parameter_constraints: dict = {
        **PeerOverSampler._parameter_constraints,
        "num_trees": [Integer(1)],
        "delta": [Interval(numbers.Real, 0, 0.5, closed="both")],
        "max_iters": [Integer(0)],
        "min_node_size": [Integer(1)],
        "n_jobs": [numbers.Integral, None],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        categorical_features="auto",
        conditioning="per_class",
        num_trees=30,
        delta=0,
        max_iters=10,
        min_node_size=5,
        n_jobs=None,
        verbose=False,
        model_params=None,
    ):
        BaseOverSampler.__init__(self, sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.categorical_features = categorical_features
        self.conditioning = conditioning
        self.num_trees = num_trees
        self.delta = delta
        self.max_iters = max_iters
        self.min_node_size = min_node_size
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.model_params = model_params

    def _import(self):
        module = _require("arfpy.arf", "arfpy", type(self).__name__)
        if not hasattr(np, "in1d"):
            raise PeerUnavailable(
                f"{type(self).__name__} cannot run: arfpy {_version('arfpy')} calls numpy.in1d, "
                f"which NumPy 2.4 removed (NumPy {np.__version__} here); it needs NumPy < 2.4"
            )
        return module

    def _fit_table(self, module, table, discrete, seed):
        params = {
            "num_trees": self.num_trees,
            "delta": self.delta,
            "max_iters": self.max_iters,
            "min_node_size": self.min_node_size,
            "verbose": bool(self.verbose),
        }
        if self.n_jobs is not None:
            params["n_jobs"] = self.n_jobs
        params.update(self._model_params())
        # forge reads column flags by position: the columns must be named 0, 1, ...
        shown = table.set_axis(range(table.shape[1]), axis=1)
        for j, column in enumerate(table.columns):
            if column in discrete:
                shown[j] = pd.Categorical(shown[j])
        with seeded_global_numpy(seed):
            model = module.arf(shown, **params)
            model.forde()
        return list(table.columns), model

    def _draw_table(self, module, model, n, seed, condition):
        columns, forest = model
        with seeded_global_numpy(seed):
            return forest.forge(n).set_axis(columns, axis=1)


ARFSampler.__doc__ = ARFSampler.__doc__.format(
    shared=_SHARED,
    categorical=_CATEGORICAL,
    model_params=_MODEL_PARAMS.format(
        target="``arfpy.arf.arf``; the rest go to scikit-learn's ``RandomForestClassifier``"
    ),
    seeds=_SEED_NOTE.format(
        how="``arfpy`` draws from NumPy's global generator only (and its forests "
        "from it too), so each fit and draw runs with that generator seeded from "
        "``random_state`` and the caller's state is put back afterwards; the same "
        "``random_state`` gives the same rows. Not thread-safe"
    ),
)


# ---------------------------------------------------------------- ForestFlow


class ForestFlowSampler(PeerOverSampler):
    """Over-sample with ForestFlow (Jolicoeur-Martineau et al. 2024), package ``ForestDiffusion``.

    ``ForestDiffusionModel`` with ``diffusion_type="flow"``: flow matching
    whose vector field is a set of XGBoost regressors, one per noise level
    (the paper's strongest non-neural generator). The package conditions on
    a label by fitting separate regressors per class; since it cannot draw the
    rows of one chosen class, the wrapper fits one model per over-sampled class
    on that class's rows by default (the same regressors, without the classes
    that are not over-sampled). ``conditioning="joint"`` fits one model with
    the label as a categorical column and keeps the drawn rows of the wanted
    class (rejection sampling).

    Parameters
    ----------
    {shared}
    {categorical}
    conditioning : {{"joint", "per_class"}}, default="per_class"
        ``"per_class"``: one model per over-sampled class; ``"joint"``: one
        model, the label a generated column, rejection sampling.
    n_t : int, default=10
        Noise levels (at least 2), each with its own XGBoost model (the
        package's default is 50).
    duplicate_K : int, default=5
        Noise draws per real row (at least 1; the package's default is 100).
    n_jobs : int, default=1
        Parallel jobs of the package over noise levels (the package's default,
        -1, takes every core); each XGBoost model is trained with one thread
        (``nthread=1``, unless ``model_params`` says otherwise).
    verbose : bool, default=False
        Unused (the package prints nothing); kept for the benchmark's common
        settings.
    {model_params}

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of rows generated per class.
    classes_ : ndarray
        Class labels seen in fit.
    encoder_ : TabularEncoder
        The fitted table encoding.
    models_ : dict
        Fitted ``ForestDiffusionModel`` per over-sampled class.

    Notes
    -----
    The work grows with ``n_t`` x ``duplicate_K`` x the class's rows x the
    square of the table's width after the package's one-hot encoding. At the
    package's defaults (``n_t=50``, ``duplicate_K=100``) the fit on one
    200-row minority class did not finish in 15 minutes on one core, too slow
    for a benchmark of hundreds of fits; ``n_t=10``, ``duplicate_K=5`` is
    100 times less work (what it costs against ``n_t=20``,
    ``duplicate_K=20``: docs/benchmark.md, "Against other generators"). Both
    are parameters, so ``--sampler-params
    '{{"forestflow": {{"n_t": 50, "duplicate_K": 100}}}}'`` runs the
    package's defaults.

    Categorical columns (binary ones included) are passed as
    ``cat_indexes`` with codes 0..L-1 in each model's rows, as the package
    asks; integer columns as plain numbers, rounded by the decoder (the
    package's own rounding of ``int_indexes`` writes into a read-only array
    under pandas 3, whose ``to_numpy`` gives read-only views). ``ForestDiffusion``
    (MIT) requires XGBoost, LightGBM and CatBoost (Apache-2.0, MIT, Apache-2.0);
    XGBoost's Linux wheel pulls NVIDIA's NCCL (proprietary licence, about 350 MB).

    {seeds}
    """

    _parameter_constraints: dict = {
        **PeerOverSampler._parameter_constraints,
        "n_t": [Integer(2)],
        "duplicate_K": [Integer(1)],
        "n_jobs": [numbers.Integral],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        categorical_features="auto",
        conditioning="per_class",
        n_t=10,
        duplicate_K=5,
        n_jobs=1,
        verbose=False,
        model_params=None,
    ):
        BaseOverSampler.__init__(self, sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.categorical_features = categorical_features
        self.conditioning = conditioning
        self.n_t = n_t
        self.duplicate_K = duplicate_K
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.model_params = model_params

    def _import(self):
        return _require(
            "ForestDiffusion.diffusion_with_trees_class", "ForestDiffusion", type(self).__name__
        )

    def _fit_table(self, module, table, discrete, seed):
        columns = list(table.columns)
        cat_indexes = [columns.index(c) for c in discrete]
        # the package reads categories as codes 0..L-1 of its rows
        levels = {c: np.unique(table[c].to_numpy()) for c in discrete}
        X = table.to_numpy(dtype=np.float64, copy=True)
        for j, c in zip(cat_indexes, discrete):
            X[:, j] = np.searchsorted(levels[c], table[c].to_numpy())
        params = {
            "n_t": self.n_t,
            "duplicate_K": self.duplicate_K,
            "n_jobs": self.n_jobs,
            "diffusion_type": "flow",
            "cat_indexes": cat_indexes,
            "seed": seed % 2**32,
            "nthread": 1,
        }
        params.update(self._model_params())
        with seeded_global_numpy(seed):
            model = module.ForestDiffusionModel(X, **params)
        return columns, levels, model

    def _draw_table(self, module, model, n, seed, condition):
        columns, levels, forest = model
        with seeded_global_numpy(seed):
            X = np.array(forest.generate(batch_size=n), dtype=np.float64)
        out = pd.DataFrame(X, columns=columns)
        for c, observed in levels.items():
            codes = np.clip(np.round(out[c].to_numpy()), 0, len(observed) - 1).astype(int)
            out[c] = observed[codes]
        return out


ForestFlowSampler.__doc__ = ForestFlowSampler.__doc__.format(
    shared=_SHARED,
    categorical=_CATEGORICAL,
    model_params=_MODEL_PARAMS.format(
        target="``ForestDiffusion.ForestDiffusionModel``; keys it does not know go to XGBoost"
    ),
    seeds=_SEED_NOTE.format(
        how="the package seeds NumPy's global generator with its ``seed`` argument "
        "and draws from that generator, so each fit and draw runs with the generator "
        "seeded from ``random_state`` and the caller's state is put back afterwards "
        "(XGBoost gets the same ``seed``); the same ``random_state`` gives the same "
        "rows. Not thread-safe"
    ),
)


#: strategy name -> wrapper class name, in the order the benchmark lists them
PEERS = {
    "CTGAN": "CTGANSampler",
    "TVAE": "TVAESampler",
    "ARF": "ARFSampler",
    "ForestFlow": "ForestFlowSampler",
}


def peer_class(name):
    """The wrapper class of the strategy ``name`` (a key of :data:`PEERS`)."""
    return globals()[PEERS[name]]


def unavailable(name):
    """Why the strategy ``name`` cannot run here (one line), or ``None`` when it can.

    Imports the package (and checks what it needs of the installed ones)
    without fitting anything.
    """
    try:
        peer_class(name)()._import()
    except PeerUnavailable as exc:
        return str(exc)
    return None


def package_version(name):
    """``"<distribution> <version>"`` of the package behind the strategy ``name``."""
    distribution = {"CTGAN": "ctgan", "TVAE": "ctgan", "ARF": "arfpy"}.get(name, "ForestDiffusion")
    return f"{distribution} {_version(distribution)}"
