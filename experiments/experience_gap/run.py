r"""Experience gap, part 3: which integration lever closes which gap.

One lever at a time, in both directions, in one market:

* ``fragmented + lever``: today's plan with one gap closed (what a first fix buys);
* ``integrated - lever``: the integrated plan with one gap reopened (what it costs to
  let one slip);

plus ``fragmented + all experience levers`` (every gap closed, but today's media and no
unified customer ID). The levers are those of docs/model.md "What the integration
levers do" that act on the store experience. Each scenario is one ``o2osim`` run::

    o2osim market=M plan=P <lever override> \
        hydra.run.dir=results/studies/experience_gap/levers/<name>

(the scenarios are not a cartesian product, hence this script rather than ``-m``).

    python experiments/experience_gap/run.py                   # 19 runs, ~1.5 min with 2 jobs
    python experiments/experience_gap/run.py --market hotpot_chain \
        --out results/studies/experience_gap/levers_hotpot
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import studylib as sl  # noqa: E402

OUT = sl.STUDIES / "experience_gap" / "levers"


def levers(market: str) -> dict[str, tuple[str, list[str], list[str]]]:
    """name -> (what it does, overrides closing the gap in the fragmented plan,
    overrides opening it in the integrated plan)."""
    reality = float(sl.preset("market", market)["stores"]["reality_level"])
    fragmented = sl.preset("plan", "fragmented")
    return {
        "promise": ("content promises what the store delivers",
                    [f"plan.promise_level={reality}"],
                    [f"plan.promise_level={fragmented['promise_level']}"]),
        "redeem_in_store": ("online coupon redeemable in store",
                            ["plan.coupon.redeem_where=both"],
                            ["plan.coupon.redeem_where=online"]),
        "pos_scan": ("till scans online coupons",
                     ["plan.integration.pos_coupon_integrated=true"],
                     ["plan.integration.pos_coupon_integrated=false"]),
        "calendar_sync": ("store promotion runs with the online one",
                          ["plan.integration.calendar_lag_weeks=0"],
                          ["plan.integration.calendar_lag_weeks="
                           f"{fragmented['integration']['calendar_lag_weeks']}"]),
        "price_parity": ("store price = online price",
                         ["plan.integration.price_parity=true"],
                         ["plan.integration.price_parity=false"]),
        "staff_briefed": ("store staff briefed on the campaign",
                          ["plan.integration.staff_briefed=true"],
                          ["plan.integration.staff_briefed=false"]),
        "unified_membership": ("one membership (no re-registering, benefits recognised)",
                               ["plan.integration.unified_membership=true"],
                               ["plan.integration.unified_membership=false"]),
        "booking": ("online booking (30 % of visits with an account)",
                    ["plan.operations.booking_share=0.3"],
                    ["plan.operations.booking_share=0.0"]),
    }


def scenarios(market: str) -> dict[str, list[str]]:
    base = [f"market={market}"]
    out = {"fragmented": [*base, "plan=fragmented"], "integrated": [*base, "plan=integrated"]}
    close_all: list[str] = []
    for name, (_, close, reopen) in levers(market).items():
        out[f"fragmented+{name}"] = [*base, "plan=fragmented", *close]
        out[f"integrated-{name}"] = [*base, "plan=integrated", *reopen]
        close_all += close
    out["fragmented+all_experience_levers"] = [*base, "plan=fragmented", *close_all]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--market", default="retail_apparel", choices=sl.MARKETS)
    ap.add_argument("--jobs", type=int, default=2, help="o2osim runs at a time (default 2)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    sl.run_scenarios(scenarios(args.market), args.out, args.jobs)
    print("now: python experiments/experience_gap/summarise.py")


if __name__ == "__main__":
    main()
