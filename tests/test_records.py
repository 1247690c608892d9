"""The analyst's records (orders, consumers, channels_daily; o2osim.records): their sums
are the run's KPIs and ledgers, the files read back as written, and the CSV and none
options do what docs/records.md says."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from conftest import SMALL
from o2osim.config import ConfigError, compose_scenario, validate_scenario
from o2osim.model import RunResult, run_scenario
from o2osim.records import TABLES, read_metadata, read_records
from o2osim.results import write_run

# A full 16-week campaign with every channel spending (retail x integrated), small.
SCENARIO = ("market=retail_apparel", "plan=integrated", "sim.population=6000", "sim.seed=5")


@pytest.fixture(scope="module")
def run() -> RunResult:
    return run_scenario(compose_scenario(list(SCENARIO)))


@pytest.fixture(scope="module")
def tables(run: RunResult) -> dict[str, pd.DataFrame]:
    assert run.records is not None
    return run.records.tables


def test_the_campaign_sold_and_spent(run: RunResult, tables: dict[str, pd.DataFrame]) -> None:
    # a test of sums on an empty run could not fail
    assert run.metrics["kpis"]["orders_online"] > 50
    assert run.metrics["kpis"]["orders_offline"] > 50
    assert tables["orders"]["coupon_used"].sum() > 10
    assert tables["orders"]["attributed"].sum() > 10
    assert (~tables["orders"]["attributed"]).sum() > 10  # store orders without a unified ID


def test_order_log_sums_are_the_kpis(run: RunResult, tables: dict[str, pd.DataFrame]) -> None:
    k, orders = run.metrics["kpis"], tables["orders"]
    scale = run.metrics["scale_real_per_simulated"]
    online = orders["where"] == "online"
    assert online.sum() == k["orders_online"]
    assert (~online).sum() == k["orders_offline"]
    assert orders["basket_cny"].astype(float).sum() * scale == pytest.approx(
        k["revenue_cny"], rel=1e-9)
    assert orders["consumer_id"].nunique() == k["purchasers"]
    assert orders.loc[online, "consumer_id"].nunique() == k["purchasers_online"]
    assert orders.loc[~online, "consumer_id"].nunique() == k["purchasers_offline"]
    repeat = ~orders["first_order"]
    assert (repeat & online).sum() == k["repeat_orders_online"]
    assert (repeat & ~online).sum() == k["repeat_orders_offline"]
    assert orders["first_order"].sum() == k["purchasers"]
    assert (orders.groupby("consumer_id").size() >= 2).sum() == k["repurchasers"]
    # A coupon used in an order is a redemption; the KPI also counts coupons handed in
    # on a trip that ended without an order (shopping.shop: `used` before the purchase).
    assert orders["coupon_used"].sum() <= k["coupons_redeemed"]
    assert (orders["coupon_used"] & online).sum() <= k["coupons_redeemed_online"]
    assert (orders["coupon_used"] & ~online).sum() <= k["coupons_redeemed_offline"]


def test_order_log_day_by_day_is_daily_csv(run: RunResult,
                                           tables: dict[str, pd.DataFrame]) -> None:
    orders, daily = tables["orders"], run.daily
    scale = run.metrics["scale_real_per_simulated"]
    assert orders["day"].is_monotonic_increasing
    by_day = orders.groupby("day")
    n = by_day.size().reindex(daily["day"], fill_value=0).to_numpy()
    assert (n == daily["orders_online"] + daily["orders_offline"]).all()
    revenue = (by_day["basket_cny"].apply(lambda s: s.astype(float).sum()) * scale).reindex(
        daily["day"], fill_value=0.0).to_numpy()
    np.testing.assert_allclose(revenue, daily["revenue_cny"], rtol=1e-9, atol=1e-6)
    store = orders["where"] == "store"
    assert (orders.loc[store, "store_id"] >= 0).all()
    assert (orders.loc[~store, "store_id"] == -1).all()
    assert (orders.loc[orders["last_channel"].isna(), "attributed"] == False).all()  # noqa: E712


def test_consumer_table_sums_are_the_kpis(run: RunResult,
                                          tables: dict[str, pd.DataFrame]) -> None:
    k, c, orders = run.metrics["kpis"], tables["consumers"], tables["orders"]
    scale = run.metrics["scale_real_per_simulated"]
    assert len(c) == run.metrics["population"]
    assert c["orders"].sum() == k["orders_online"] + k["orders_offline"]
    assert c["orders_online"].sum() == k["orders_online"]
    assert c["revenue_cny"].sum() * scale == pytest.approx(k["revenue_cny"], rel=1e-9)
    assert (c["orders"] > 0).sum() == k["purchasers"]
    assert (c["orders"] >= 2).sum() == k["repurchasers"]
    bought = c["orders"] > 0
    assert c.loc[bought, "first_order_day"].notna().all()
    assert c.loc[~bought, ["first_order_day", "last_order_day"]].isna().all().all()
    assert (c.loc[bought, "first_order_day"] <= c.loc[bought, "last_order_day"]).all()
    first = orders.groupby("consumer_id")["day"].min()
    last = orders.groupby("consumer_id")["day"].max()
    assert (c.loc[first.index, "first_order_day"].to_numpy() == first.to_numpy()).all()
    assert (c.loc[last.index, "last_order_day"].to_numpy() == last.to_numpy()).all()
    rec = run.record
    assert rec is not None
    assert c["member"].sum() == rec.consumers.members
    assert c["unified"].sum() == rec.consumers.unified
    assert (c["member"] | c["account"]).sum() == rec.consumers.known
    assert set(c["segment"].cat.categories) == {"new", "active", "dormant"}
    assert c["distance_band"].notna().all()


def test_exposures_per_consumer_add_up_to_each_channels_reach(
        run: RunResult, tables: dict[str, pd.DataFrame]) -> None:
    c, daily = tables["consumers"], tables["channels_daily"]
    rec = run.record
    assert rec is not None
    names = [ch.name for ch in rec.channels]
    exposures = c[[f"exposures_{n}" for n in names]]
    for n in names:
        assert exposures[f"exposures_{n}"].sum() == daily[f"{n}_reach"].sum(), n
    assert (exposures.sum(axis=1) > 0).sum() == rec.consumers.exposed
    reach = daily[[f"{n}_reach" for n in names]].sum(axis=1).to_numpy()
    np.testing.assert_array_equal(reach, run.daily["exposed_online"]
                                  + run.daily["exposed_offline"])
    assert exposures.to_numpy().max() <= len(daily)  # one a day per channel at most


def test_channels_daily_sums_are_the_channel_ledgers(
        run: RunResult, tables: dict[str, pd.DataFrame]) -> None:
    daily = tables["channels_daily"]
    rec = run.record
    assert rec is not None
    assert len(daily) == len(run.daily)
    assert daily["date"].iloc[0] == pd.Timestamp("2024-01-01")
    assert (daily["date"].diff().iloc[1:] == pd.Timedelta(days=1)).all()
    np.testing.assert_allclose(daily["revenue_cny"], run.daily["revenue_cny"])
    spend_columns = [f"{ch.name}_spend_cny" for ch in rec.channels]
    np.testing.assert_allclose(daily[spend_columns].sum(axis=1), run.daily["spend_cny"],
                               rtol=1e-12, atol=1e-6)
    for ch in rec.channels:
        spec = rec.scenario.market.channels[ch.name]
        assert daily[f"{ch.name}_spend_cny"].sum() == pytest.approx(ch.spend_cny, rel=1e-12)
        assert daily[f"{ch.name}_measured_revenue_cny"].sum() == pytest.approx(
            ch.attributed_revenue_cny, rel=1e-9, abs=1e-6)
        np.testing.assert_allclose(daily[f"{ch.name}_impressions"],
                                   daily[f"{ch.name}_spend_cny"] / spec.cpm_cny * 1000.0)
        m = run.metrics["channels"][ch.name]
        assert daily[f"{ch.name}_spend_cny"].sum() == pytest.approx(m["spend_cny"], rel=1e-12)
    assert sum(ch.spend_cny for ch in rec.channels) > 0
    assert not any(col.endswith("_incremental_revenue_cny") for col in daily.columns)


def test_parquet_files_are_written_and_read_back(run: RunResult, tables: dict[str, pd.DataFrame],
                                                 tmp_path: Path) -> None:
    write_run(tmp_path, run)
    for stem in TABLES:
        assert (tmp_path / f"{stem}.parquet").is_file()
        assert not (tmp_path / f"{stem}.csv").exists()
        back = pd.read_parquet(tmp_path / f"{stem}.parquet")
        pd.testing.assert_frame_equal(back, tables[stem], check_categorical=False)
        arrow = pq.read_table(tmp_path / f"{stem}.parquet")
        assert arrow.num_rows == len(tables[stem])
        meta = read_metadata(tmp_path / f"{stem}.parquet")
        assert meta["scale_real_per_simulated"] == run.metrics["scale_real_per_simulated"]
        assert (meta["market"], meta["plan"], meta["seed"]) == ("retail_apparel",
                                                                "integrated", 5)
    assert read_records(tmp_path).keys() == set(TABLES)
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically, nothing left over


def test_csv_on_request_gives_the_same_tables(tmp_path: Path) -> None:
    sc = compose_scenario([*SMALL, "sim.records=csv"])
    validate_scenario(sc)
    result = run_scenario(sc)
    write_run(tmp_path, result)
    assert not list(tmp_path.glob("*.parquet"))
    back = read_records(tmp_path)
    assert back.keys() == set(TABLES)
    for stem, frame in result.records.tables.items():
        assert len(back[stem]) == len(frame)
        assert list(back[stem].columns) == list(frame.columns)
    k = result.metrics["kpis"]
    assert len(back["orders"]) == k["orders_online"] + k["orders_offline"]
    assert back["consumers"]["orders"].sum() == len(back["orders"])
    assert back["orders"]["where"].isin(["store", "online"]).all()


def test_none_writes_no_records_and_changes_no_result(tmp_path: Path) -> None:
    sc = compose_scenario(list(SMALL))
    quiet = run_scenario(dataclasses.replace(sc, sim=dataclasses.replace(sc.sim,
                                                                        records="none")))
    assert quiet.records is None
    write_run(tmp_path, quiet)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["daily.csv", "metrics.json",
                                                          "stores.csv"]
    loud = run_scenario(sc)
    assert loud.metrics == quiet.metrics
    pd.testing.assert_frame_equal(loud.daily, quiet.daily)


def test_a_bad_records_format_is_refused_with_a_did_you_mean() -> None:
    with pytest.raises(ConfigError) as err:
        validate_scenario(compose_scenario([*SMALL, "sim.records=parqet"]))
    assert err.value.path == "sim.records"
    assert "parquet, csv, none" in str(err.value)
    assert "did you mean 'parquet'?" in str(err.value)


def test_replications_write_replication_zeros_records() -> None:
    from o2osim.replications import run_replications

    sc = compose_scenario([*SMALL, "sim.replications=2"])
    combined, table = run_replications(sc, 2, workers=1)
    first = run_scenario(sc)
    assert combined.records is not None
    pd.testing.assert_frame_equal(combined.records.tables["orders"],
                                  first.records.tables["orders"])


def test_parquet_written_from_the_columns_equals_the_tables(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    import o2osim.records as records

    monkeypatch.setattr(records, "ROW_GROUP", 700)  # several row groups
    result = run_scenario(compose_scenario(list(SMALL)))
    write_run(tmp_path, result)  # before any DataFrame is built: written from the columns
    assert not result.records._built
    assert pq.ParquetFile(tmp_path / "consumers.parquet").num_row_groups == 3
    for stem in TABLES:
        back = pd.read_parquet(tmp_path / f"{stem}.parquet")
        pd.testing.assert_frame_equal(back, result.records.table(stem), check_categorical=False)


def test_true_incremental_revenue_joins_channels_daily_when_given() -> None:
    result = run_scenario(compose_scenario(list(SMALL)))
    daily = result.records.table("channels_daily")
    names = [c.name for c in result.record.channels]
    values = np.arange(len(daily) * len(names), dtype=float).reshape(len(daily), len(names))
    with pytest.raises(ValueError, match="must be"):
        result.records.set_incremental_revenue(values[:-1])
    result.records.set_incremental_revenue(values)
    daily = result.records.table("channels_daily")
    for c, name in enumerate(names):
        np.testing.assert_array_equal(daily[f"{name}_incremental_revenue_cny"], values[:, c])
