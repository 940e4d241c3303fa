"""Docstring pieces the samplers share (filled in with ``imblearn.utils.Substitution``).

``sampling_strategy`` is imbalanced-learn's own text. ``random_state`` is written
here: imbalanced-learn's piece says that ``None`` uses NumPy's global generator,
whereas these samplers draw fresh OS entropy for ``None`` and never read or
change a global random state.
"""

from imblearn.over_sampling.base import BaseOverSampler

_RANDOM_STATE = """random_state : int, RandomState instance or None, default=None
        Seeds the encoder, the validation split, weight initialization,
        training and sampling (all seeds are derived from it once per fit).

        - If int, the seed of that derivation; the same value gives
          bit-identical output on CPU;
        - If ``RandomState`` instance, the generator the seeds are drawn from;
        - If ``None``, fresh OS entropy: unlike imbalanced-learn's samplers,
          NumPy's global generator is not used. No global random state (NumPy,
          torch, ``random``) is ever read or changed."""

_HEAD = """categorical_features : "auto", array-like or None, default="auto"
        Columns modelled as categorical: names, indices or a boolean mask, as
        in :class:`~imblearn.over_sampling.SMOTENC`. Non-numeric columns
        (pandas category, object and string columns; object arrays) are always
        categorical; "auto" and ``None`` select those only.
    conditioning : {"joint", "per_class"}, default="joint"
        ``"joint"``: one model for all classes, conditioned on the label;
        ``"per_class"``: one model per over-sampled class, trained on that
        class's rows only."""


def _filter_docs(default=None):
    """Docstring of the neighbour-filter parameters with a family's default."""
    return f"""filter_neighbors : int or None, default={default}
        Neighbour filter on generated rows: a new row of class c is kept when at
        least ``filter_min_share`` of its ``filter_neighbors`` nearest real
        training rows (all classes, in the encoded space) are of class c;
        rejected rows are redrawn, so the counts stay exact (after drawing 20
        times the requested rows, any shortfall is filled with the rejected
        rows that have the most neighbours of class c). ``None`` keeps every
        generated row. May be changed with ``set_params`` after fitting.
    filter_min_share : float in (0, 1], default=0.2
        Share of the ``filter_neighbors`` nearest real rows that must be of the
        generated row's class, rounded up to whole rows (2 of 10, 1 of 5)."""


def _training_docs(max_steps, score, patience, steps, optimizer):
    """Docstring of the training parameters with a family's defaults."""
    return f"""max_steps : int, default={max_steps}
        Training budget, whatever the number of rows, in
        {steps}.
    batch_size : int, default=256
        Rows per minibatch, drawn class-balanced with replacement.
    learning_rate : float, default=1e-3
        Adam learning rate{optimizer}.
    validation_fraction : float in [0, 0.5) or None, default=None
        Share of each class (with at least 10 rows) held out to score the model
        after every epoch; the best-scoring weights are kept. ``None`` or 0
        holds nothing out: the whole budget is trained and the final weights
        are kept. The held-out score is
        {score}.
    patience : int or None, default={patience}
        Epochs without improvement of the held-out score before training stops;
        ``None`` trains the whole budget. Read only with ``validation_fraction``."""


#: docstring pieces every sampler shares
_shared_docs = {
    "parameters_head": "\n    ".join(
        [BaseOverSampler._sampling_strategy_docstring, _RANDOM_STATE, _HEAD]
    ),
    "runtime_parameters": """device : {"auto", "cpu", "cuda"}, "cuda:k" or torch.device, default="auto"
        Where to train and sample; ``"auto"`` takes CUDA when available,
        ``"cuda:k"`` the GPU of index k. A CUDA device without CUDA available
        is an error at fit. A fitted sampler is stored on the CPU.
    n_threads : int or None, default=1
        Torch intra-op threads during fit, sampling and scoring (the previous
        setting is restored afterwards); ``None`` keeps torch's current setting
        (by default every core). One thread is the default because these small
        networks gain little from more on a quiet machine, while a second
        thread that waits for a core held by another process (a second
        cross-validation worker, a notebook, a browser) makes every step wait:
        fits measured 3-40 times slower. More threads pay off on a quiet
        machine for large draws (``sample`` of a million rows); see the
        user guide, "Threads".
    verbose : "auto", int or bool, default="auto"
        Progress bars for training and for draws of many rows: ``"auto"``
        shows one once the work is projected to take more than about 10 s,
        a positive value or ``True`` always, 0 or ``False`` never (use it in
        pipelines and cross-validation where output is unwanted).""",
    "fitted_attributes": """sampling_strategy_ : dict
        Number of rows generated per class.
    classes_ : ndarray
        Class labels seen in fit.
    encoder_ : TabularEncoder
        The fitted table encoding (spans in ``encoder_.spans_``).
    models_ : dict
        Trained model per over-sampled class (the same model for every class
        when ``conditioning="joint"``), stored on the CPU.
    neighbors_ : ClassNeighbors
        Nearest-neighbour index over the encoded training rows and their
        classes, read by the neighbour filter (``filter_neighbors``).""",
    "history_attribute": """history_ : list of dict
        Per-epoch training records (epoch, step, train_loss, time; valid_loss
        with ``validation_fraction``; class with ``conditioning="per_class"``).""",
    "input_attributes": """n_features_in_ : int
        Number of columns seen in fit.
    feature_names_in_ : ndarray of str
        Column names seen in fit; defined when X is a DataFrame with string
        column names.""",
}


def sampler_docs(
    *,
    max_steps,
    score,
    patience=5,
    filter_neighbors=None,
    steps="optimizer steps",
    optimizer="",
):
    """The pieces for one sampler's docstring, with its family's defaults."""
    return {
        **_shared_docs,
        "training_parameters": _training_docs(max_steps, score, patience, steps, optimizer),
        "filter_parameters": _filter_docs(filter_neighbors),
    }
