"""The run report: built from a run folder's files, self-contained, names the levers."""

from __future__ import annotations

from pathlib import Path

from o2osim.config import compose_scenario
from o2osim.model import run_scenario
from o2osim.reports.report import write_report
from o2osim.results import write_run


def test_report_is_written_from_the_run_folder(tmp_path: Path) -> None:
    sc = compose_scenario(["plan=fragmented", "sim.population=3000", "sim.days=60"])
    write_run(tmp_path, run_scenario(sc))
    page = write_report(tmp_path)
    for name in ("report.md", "report.html", "funnel.png", "daily.png", "channels.png",
                 "satisfaction.png", "stores.png"):
        assert (tmp_path / name).is_file(), name
    text = page.read_text(encoding="utf-8")
    assert text.count("data:image/png;base64,") == 5
    assert "http" not in text  # opens offline: nothing fetched from the network
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## What to change" in md
    # the fragmented plan misses conversion: the report names a lever for it
    assert "unified_id_share" in md and "Full-channel conversion" in md


def test_what_to_change_skips_levers_already_pulled() -> None:
    from o2osim.reports.report import advice

    integrated = {"integration": {"unified_id_share": 0.92, "o2o_traffic_guidance": True},
                  "coupon": {"redeem_where": "both"}, "promise_level": 0.72}
    fragmented = {"integration": {"unified_id_share": 0.0, "o2o_traffic_guidance": False},
                  "coupon": {"redeem_where": "online"}, "promise_level": 0.88}
    assert "unified_id_share" not in advice("conversion_rate", integrated)
    text = advice("conversion_rate", fragmented)
    assert "unified_id_share` (now 0.0)" in text and "redeem_where` (now online)" in text
