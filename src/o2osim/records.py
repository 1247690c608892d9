"""The records an analyst can take away: one row per order, one per consumer, one per day
with every channel's spend (docs/records.md defines every column and its unit).

Built from the :class:`~o2osim.record.RunRecord` alone and written into the run folder by
:func:`o2osim.results.write_run`:

* ``orders.parquet`` — every order: who, when, online or in which store, what was paid,
  coupon, first order, the channel last touched and whether measurement credits it,
  satisfied;
* ``consumers.parquet`` — every simulated consumer at the end: segment, affinity, distance,
  memberships, first and last order day, orders, revenue, paid exposures per channel;
* ``channels_daily.parquet`` — one row per day in the layout marketing-mix models read
  (PyMC-Marketing's ``MMM(date_column=..., channel_columns=[...])``, Meridian, Robyn): a
  ``date`` column, each channel's ``<channel>_spend_cny`` (and impressions, reach and
  measured revenue), and the target ``revenue_cny``.

``sim.records`` chooses parquet (pyarrow; the run's identity and scale in the file's
metadata under ``o2osim``), csv (the same tables as ``.csv``) or none. Building the
tables draws no random number and changes no state: a run's results are the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from o2osim.config.schema import AFFINITIES, RECORDS_FORMATS, SEGMENTS
from o2osim.population import ACCOUNT, MEMBER, UNIFIED
from o2osim.record import RunRecord

if TYPE_CHECKING:
    import pandas as pd

TABLES = ("orders", "consumers", "channels_daily")
"""The tables, by file stem, in the order they are written."""

START_DATE = dt.date(2024, 1, 1)
"""The ``date`` of day 0 in ``channels_daily`` (a Monday, as the market's day-of-week
weights assume). Nominal: a simulated campaign has no calendar date of its own."""

METADATA_KEY = b"o2osim"
"""Key of the parquet files' schema metadata: JSON with the run's identity and scale."""


Columns = dict[str, Any]
"""A table as full-length columns (numpy arrays, pandas Categorical / IntegerArray)."""


def orders_columns(rec: RunRecord) -> Columns:
    """One row per order, in the order they happened (docs/records.md, ``orders``)."""
    import pandas as pd

    log = _require(rec.orders, "orders")
    names = [c.name for c in rec.channels]
    return {
        "order_id": np.arange(log.size, dtype=np.int64),
        "consumer_id": log.consumer_id,
        "day": log.day,
        "date": _dates(log.day),
        "where": pd.Categorical.from_codes(log.online.astype(np.int8),
                                           categories=["store", "online"]),
        "store_id": log.store_id,
        "basket_cny": log.basket_cny,
        "coupon_used": log.coupon_used,
        "first_order": log.first_order,
        "last_channel": pd.Categorical.from_codes(log.last_channel, categories=names)
        if names else pd.Categorical([None] * log.size, categories=[]),
        "attributed": log.attributed,
        "satisfied": log.satisfied,
    }


def consumers_columns(rec: RunRecord) -> Columns:
    """One row per simulated consumer at the end of the run (docs/records.md,
    ``consumers``); orders and revenue are counted from the order log."""
    import pandas as pd

    end, log = _require(rec.at_end, "at_end"), _require(rec.orders, "orders")
    n = end.segment.shape[0]
    ids = log.consumer_id
    orders = np.bincount(ids, minlength=n).astype(np.int32)
    never = orders == 0
    # The log is in day order: a consumer's first row is the first order, the last the last.
    first = np.zeros(n, dtype=np.int16)
    last = np.zeros(n, dtype=np.int16)
    who, at = np.unique(ids, return_index=True)
    first[who] = log.day[at]
    who, at = np.unique(ids[::-1], return_index=True)
    last[who] = log.day[::-1][at]
    state = end.state
    edges = end.band_edges_km
    band = np.searchsorted(np.asarray(edges, dtype=np.float32), end.distance_km,
                           side="left").astype(np.int8)
    columns = {
        "consumer_id": np.arange(n, dtype=np.int32),
        "segment": pd.Categorical.from_codes(end.segment, categories=list(SEGMENTS)),
        "affinity": pd.Categorical.from_codes(end.affinity, categories=list(AFFINITIES)),
        "store_id": end.store_id,
        "distance_km": end.distance_km,
        "distance_band": pd.Categorical.from_codes(band, categories=band_labels(edges)),
        "member": (state & MEMBER) > 0,
        "account": (state & ACCOUNT) > 0,
        "unified": (state & UNIFIED) > 0,
        "customer_at_start": _flags(end.customer_at_start, n),
        "customer_at_end": _flags(end.alive, n),
        "first_order_day": pd.arrays.IntegerArray(first, never),
        "last_order_day": pd.arrays.IntegerArray(last, never.copy()),
        "orders": orders,
        "orders_online": np.bincount(ids, weights=log.online,
                                     minlength=n).astype(np.int32),
        "revenue_cny": np.bincount(ids, weights=log.basket_cny.astype(np.float64),
                                   minlength=n),
    }
    for c, channel in enumerate(rec.channels):  # views of the counts: no copy
        columns[f"exposures_{channel.name}"] = end.exposures[:, c]
    return columns


def _flags(values: np.ndarray | None, n: int) -> np.ndarray:
    return np.zeros(n, dtype=bool) if values is None else np.asarray(values, dtype=bool)


def band_labels(edges_km: tuple[float, ...]) -> list[str]:
    """Names of the distance bands: ``0-1 km``, ``1-3 km``, ..., ``>5 km``."""
    if not edges_km:
        return ["all"]
    cuts = [0.0, *edges_km]
    return [f"{_km(lo)}-{_km(hi)} km" for lo, hi in zip(cuts, cuts[1:], strict=False)] + [
        f">{_km(edges_km[-1])} km"]


def channels_daily_columns(rec: RunRecord) -> Columns:
    """One row per day: the calendar, the target and each channel's spend, impressions,
    reach and measured revenue (docs/records.md, ``channels_daily``)."""

    days, log = _require(rec.channel_days, "channel_days"), _require(rec.orders, "orders")
    daily = rec.daily
    n_days = len(daily)
    columns: Columns = {
        "date": _dates(daily["day"].to_numpy()),
        "day": daily["day"].to_numpy(),
        "week": daily["week"].to_numpy(),
        "phase": daily["phase"].to_numpy(),
        "online_promo": daily["online_promo"].to_numpy(dtype=bool),
        "store_promo": daily["store_promo"].to_numpy(dtype=bool),
        "revenue_cny": daily["revenue_cny"].to_numpy(dtype=np.float64),
        "orders": (daily["orders_online"] + daily["orders_offline"]).to_numpy(),
        "spend_cny": daily["spend_cny"].to_numpy(dtype=np.float64),
    }
    seen = log.attributed
    measured = np.zeros((n_days, len(rec.channels)))
    np.add.at(measured, (log.day[seen].astype(np.int64), log.last_channel[seen].astype(np.int64)),
              log.basket_cny[seen].astype(np.float64) * rec.scale)
    for c, channel in enumerate(rec.channels):
        name = channel.name
        columns[f"{name}_spend_cny"] = days.spend_cny[:, c]
        columns[f"{name}_impressions"] = days.impressions[:, c]
        columns[f"{name}_reach"] = days.reach[:, c]
        columns[f"{name}_measured_revenue_cny"] = measured[:, c]
        if days.incremental_revenue_cny is not None:
            columns[f"{name}_incremental_revenue_cny"] = days.incremental_revenue_cny[:, c]
    return columns


@dataclass
class Records:
    """The analyst's tables of one run and how to write them (``sim.records``). A table is
    built as a DataFrame only when asked for (:meth:`table`, :attr:`tables`); a parquet
    file is written from the columns :data:`ROW_GROUP` rows at a time, so that writing
    a million consumers never holds a second copy of them."""

    format: str  # parquet / csv
    record: RunRecord
    metadata: dict[str, Any]  # the run's identity and scale (parquet schema metadata)
    _built: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def table(self, stem: str) -> pd.DataFrame:
        """One table by file stem (:data:`TABLES`)."""
        import pandas as pd

        if stem not in self._built:
            self._built[stem] = pd.DataFrame(COLUMNS[stem](self.record), copy=False)
        return self._built[stem]

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """All three tables by file stem."""
        return {stem: self.table(stem) for stem in TABLES}

    def set_incremental_revenue(self, revenue_cny: np.ndarray) -> None:
        """What each channel caused each day (real CNY, shape (days, channels), channels
        in the record's order), from the ground-truth runs: ``channels_daily`` gains a
        ``<channel>_incremental_revenue_cny`` column per channel."""
        days = _require(self.record.channel_days, "channel_days")
        values = np.asarray(revenue_cny, dtype=np.float64)
        if values.shape != days.spend_cny.shape:
            raise ValueError(f"incremental revenue of shape {values.shape}: must be "
                             f"(days, channels) = {days.spend_cny.shape}")
        self.record.channel_days = dataclasses.replace(days, incremental_revenue_cny=values)
        self._built.pop("channels_daily", None)

    def columns(self, stem: str) -> Columns:
        """One table's columns (those of its DataFrame when it is built already)."""
        if stem in self._built:
            frame = self._built[stem]
            return {name: frame[name].array for name in frame.columns}
        return COLUMNS[stem](self.record)

    def files(self) -> dict[str, tuple[bool, Callable[[IO[Any]], None]]]:
        """File name -> (binary, write(file)), for :func:`o2osim.results.write_run`."""
        out: dict[str, tuple[bool, Callable[[IO[Any]], None]]] = {}
        for stem in TABLES:
            if self.format == "csv":
                out[f"{stem}.csv"] = (False, lambda fh, s=stem: self.table(s).to_csv(
                    fh, index=False))
            else:
                out[f"{stem}.parquet"] = (True, lambda fh, s=stem: write_parquet(
                    fh, self.columns(s), self.metadata))
        return out


COLUMNS: dict[str, Callable[[RunRecord], Columns]] = {
    "orders": orders_columns, "consumers": consumers_columns,
    "channels_daily": channels_daily_columns}
"""The columns of each table."""


def orders_table(rec: RunRecord) -> pd.DataFrame:
    """``orders`` as a DataFrame."""
    import pandas as pd

    return pd.DataFrame(orders_columns(rec), copy=False)


def consumers_table(rec: RunRecord) -> pd.DataFrame:
    """``consumers`` as a DataFrame."""
    import pandas as pd

    return pd.DataFrame(consumers_columns(rec), copy=False)


def channels_daily_table(rec: RunRecord) -> pd.DataFrame:
    """``channels_daily`` as a DataFrame."""
    import pandas as pd

    return pd.DataFrame(channels_daily_columns(rec), copy=False)


def build_records(rec: RunRecord) -> Records | None:
    """The run's tables as ``sim.records`` asks (None for ``none``, or a record without
    the engine's logs); each is built when first used."""
    fmt = rec.scenario.sim.records
    if fmt not in RECORDS_FORMATS:
        raise ValueError(f"sim.records: {fmt!r} — must be one of {', '.join(RECORDS_FORMATS)}")
    if fmt == "none" or rec.orders is None or rec.at_end is None or rec.channel_days is None:
        return None
    sc = rec.scenario
    metadata = {"market": sc.market.name, "plan": sc.plan.name, "seed": sc.sim.seed,
                "population": sc.sim.population, "days": sc.sim.days,
                "scale_real_per_simulated": rec.scale, "start_date": START_DATE.isoformat(),
                "channels": [c.name for c in rec.channels], "docs": "docs/records.md"}
    return Records(format=fmt, record=rec, metadata=metadata)


ROW_GROUP = 131_072
"""Rows converted and written at a time (one parquet row group): a million-row table is
never copied whole into Arrow."""


def write_parquet(fh: IO[bytes], columns: Columns, metadata: dict[str, Any]) -> None:
    """A table's ``columns`` as parquet (pyarrow, zstd) with ``metadata`` as JSON under
    ``o2osim``, :data:`ROW_GROUP` rows at a time."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = len(next(iter(columns.values()))) if columns else 0

    def part(start: int) -> pd.DataFrame:
        return pd.DataFrame({k: v[start:start + ROW_GROUP] for k, v in columns.items()},
                            copy=False)

    schema = pa.Schema.from_pandas(part(0).iloc[:1], preserve_index=False)  # types only
    meta = dict(schema.metadata or {})
    meta[METADATA_KEY] = json.dumps(metadata, sort_keys=True).encode("utf-8")
    schema = schema.with_metadata(meta)
    with pq.ParquetWriter(fh, schema, compression="zstd") as writer:
        for start in range(0, max(rows, 1), ROW_GROUP):
            writer.write_table(pa.Table.from_pandas(part(start), schema=schema,
                                                    preserve_index=False))


def read_records(folder: str | Path) -> dict[str, pd.DataFrame]:
    """The tables of a run folder, parquet or csv, by stem (those present)."""
    import pandas as pd

    folder = Path(folder)
    out: dict[str, pd.DataFrame] = {}
    for stem in TABLES:
        if (folder / f"{stem}.parquet").is_file():
            out[stem] = pd.read_parquet(folder / f"{stem}.parquet")
        elif (folder / f"{stem}.csv").is_file():
            out[stem] = pd.read_csv(folder / f"{stem}.csv")
    return out


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The ``o2osim`` metadata of a records parquet file (market, plan, seed, scale...)."""
    import pyarrow.parquet as pq

    raw = (pq.read_schema(path).metadata or {}).get(METADATA_KEY)
    return json.loads(raw) if raw else {}


def _dates(days: np.ndarray) -> np.ndarray:
    return (np.datetime64(START_DATE.isoformat(), "D")
            + days.astype("timedelta64[D]")).astype("datetime64[ns]")


def _km(x: float) -> str:
    return f"{x:g}"


def _require(value: Any, name: str) -> Any:
    if value is None:
        raise ValueError(f"the run record has no {name} (made by an older engine?)")
    return value
