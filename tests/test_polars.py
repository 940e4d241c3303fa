"""polars tables: read once at the door, given back as polars (issue 32).

polars is an optional test dependency: the module is skipped without it.
"""

import pickle

import numpy as np
import pandas as pd
import pytest
from _helpers import SAMPLERS, tiny

from dgm_resample import FlowOverSampler, TabularEncoder
from dgm_resample.metrics import distance_to_closest_record, marginal_distance

pl = pytest.importorskip("polars")
pytest.importorskip("pyarrow")  # polars converts to pandas through Arrow


def polars_frame(n=80, seed=0):
    """Every polars dtype the samplers model, with nulls (and NaN, read as missing)."""
    rng = np.random.default_rng(seed)
    gap = rng.random(n) < 0.2
    frame = pl.DataFrame(
        {
            "f": pl.Series(np.where(np.arange(n) % 7 == 0, np.nan, rng.normal(size=n))),
            "i": pl.Series(np.where(gap, None, rng.integers(-4, 9, n)).tolist(), dtype=pl.Int64),
            "ids": pl.Series(2**60 + rng.integers(0, 1000, n), dtype=pl.Int64),
            "u8": pl.Series(rng.integers(0, 200, n), dtype=pl.UInt8),
            "b": pl.Series(np.where(gap, None, rng.random(n) < 0.5).tolist(), dtype=pl.Boolean),
            "s": pl.Series(np.where(gap, None, rng.choice(list("abc"), n)).tolist()),
            "cat": pl.Series(rng.choice(["x", "y"], n), dtype=pl.Categorical),
            "enum": pl.Series(rng.choice(["lo", "hi"], n), dtype=pl.Enum(["lo", "mid", "hi"])),
        }
    )
    return frame, (np.arange(n) % 4 == 0).astype(int)


@pytest.mark.parametrize("cls", SAMPLERS, ids=lambda cls: cls.__name__)
def test_polars_in_polars_out(cls):
    frame, y = polars_frame()
    sampler = tiny(cls)
    X_res, y_res = sampler.fit_resample(frame, y)
    assert isinstance(X_res, pl.DataFrame) and X_res.schema == frame.schema
    assert isinstance(y_res, np.ndarray) and len(y_res) == len(X_res) > len(frame)
    assert X_res[: len(frame)].equals(frame)
    new = X_res[len(frame) :]
    assert set(new["enum"].to_list()) <= {"lo", "hi"}
    low, high = frame["ids"].min(), frame["ids"].max()
    assert new["ids"].is_between(low, high).all()
    rows = sampler.sample(5, 1, random_state=0)
    assert isinstance(rows, pl.DataFrame) and rows.schema == frame.schema
    again = pickle.loads(pickle.dumps(sampler)).sample(5, 1, random_state=0)
    assert again.equals(rows)
    np.testing.assert_array_equal(sampler.feature_names_in_, frame.columns)


def test_polars_labels_come_back_as_a_polars_series():
    frame, y = polars_frame()
    labels = pl.Series("target", ["no", "yes"], dtype=pl.Categorical)[y]
    X_res, y_res = tiny(FlowOverSampler).fit_resample(frame, labels)
    assert isinstance(y_res, pl.Series) and y_res.name == "target"
    assert y_res.dtype == labels.dtype and len(y_res) == len(X_res)
    assert y_res.value_counts()["count"].to_list() == [len(frame) - y.sum()] * 2


def test_score_samples_and_encoder_read_polars():
    frame, y = polars_frame()
    sampler = tiny(FlowOverSampler)
    sampler.fit_resample(frame, y)
    reordered = frame.select(list(reversed(frame.columns)))
    np.testing.assert_allclose(
        sampler.score_samples(reordered, y), sampler.score_samples(frame.to_pandas(), y)
    )
    encoder = TabularEncoder(random_state=0).fit(frame)
    back = encoder.inverse_transform(encoder.transform(frame))
    assert isinstance(back, pl.DataFrame) and back.schema == frame.schema
    # NaN is modelled as missing, so it comes back as null; everything else is exact
    assert back["f"].is_null().to_list() == frame["f"].is_nan().to_list()
    assert back.drop("f").equals(frame.drop("f"))


def test_metrics_read_polars():
    frame, _ = polars_frame()
    assert marginal_distance(frame, frame.to_pandas()).mean == 0.0
    assert distance_to_closest_record(frame, frame, frame).exact_copy_rate == 1.0


def test_arrow_tables_are_read_as_pandas():
    pa = pytest.importorskip("pyarrow")
    frame, y = polars_frame()
    table = frame.to_arrow()
    X_res, _ = tiny(FlowOverSampler).fit_resample(table, y)
    assert isinstance(table, pa.Table) and isinstance(X_res, pd.DataFrame)
    pd.testing.assert_frame_equal(
        X_res.iloc[: len(frame)], table.to_pandas(types_mapper=pd.ArrowDtype)
    )
