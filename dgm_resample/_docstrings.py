"""Docstring pieces the samplers share (filled in with ``imblearn.utils.Substitution``)."""


def _filter_docs(default=None, why=""):
    """Docstring of the neighbour-filter parameters with a family's default."""
    return f"""filter_neighbors : int or None, default={default}
        Neighbour filter on generated rows: a new row of class c is kept when at
        least ``filter_min_share`` of its ``filter_neighbors`` nearest real
        training rows (all classes, in the encoded space) are of class c;
        rejected rows are redrawn, so the counts stay exact (after drawing 20
        times the requested rows, any shortfall is filled with the rejected
        rows that have the most neighbours of class c). ``None`` keeps every
        generated row. May be changed with ``set_params`` after fitting.{why}
    filter_min_share : float in (0, 1], default=0.2
        Share of the ``filter_neighbors`` nearest real rows that must be of the
        generated row's class, rounded up to whole rows (2 of 10, 1 of 5)."""


#: docstring pieces every sampler shares
_shared_docs = {
    "filter_parameters": _filter_docs(),
    "parameters_head": """sampling_strategy : float, str, dict or callable, default='auto'
        Which classes to over-sample and to how many rows, with imbalanced-learn's
        semantics (see :class:`~imblearn.over_sampling.SMOTE`).
    random_state : int, RandomState instance or None, default=None
        Seeds the encoder, the validation split, training and sampling. The same
        value gives bit-identical output on CPU. ``None`` uses fresh OS entropy;
        global random states are never read or changed.
    categorical_features : "auto", array-like or None, default="auto"
        Categorical columns: "auto" takes pandas category / object / string
        columns; or names, indices or a boolean mask as in SMOTENC.
    conditioning : {"joint", "per_class"}, default="joint"
        One model for all classes conditioned on the label, or one model per
        over-sampled class trained on that class's rows only.""",
    "batch_parameters": """batch_size : int, default=256
        Minibatch size; rows are drawn class-balanced with replacement.
    learning_rate : float, default=1e-3
        Adam learning rate.""",
    "runtime_parameters": """device : {"auto", "cpu", "cuda"} or torch.device, default="auto"
        Where to train and sample. A fitted sampler is stored on the CPU.
    n_threads : int or None, default=None
        Torch intra-op threads during fit and sampling; ``None`` keeps the
        current setting.
    verbose : int, default=0
        Show a progress bar while training.""",
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
        Per-epoch training records (epoch, step, train_loss, valid_loss, time;
        and class with ``conditioning="per_class"``).""",
    "input_attributes": """n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when X is a DataFrame with string column names.""",
}
