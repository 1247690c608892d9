"""The terminal scorecard: each target, its rule, the value, met or missed."""

from __future__ import annotations

from typing import Any

RATE_SUFFIXES = ("_rate",)
EXTRA_KPIS = (
    ("purchasers", "Purchasers", "{:,.0f} simulated"),
    ("revenue_cny", "Revenue", "{:,.0f} CNY"),
    ("total_cost_cny", "Total cost (media + coupons + integration)", "{:,.0f} CNY"),
    ("mean_wait_min", "Mean wait in store", "{:.1f} min"),
    ("p95_wait_min", "95th-percentile wait in store", "{:.1f} min"),
    ("walkout_rate", "Store walk-outs (balked + reneged)", "pct"),
    ("coupon_check_failure_rate", "Coupon checks failed at the till", "pct"),
)


def _fmt(kpi: str, value: float) -> str:
    if kpi.endswith(RATE_SUFFIXES):
        return f"{100 * value:.1f} %"
    if kpi == "steps_to_redeem":
        return f"{value:.0f}"
    return f"{value:.2f}"


def format_scorecard(metrics: dict[str, Any]) -> str:
    """Plain-text table; fits an 80-column terminal."""
    k = metrics["kpis"]
    lines = [
        f"o2osim {metrics.get('version', '')} | market {metrics['market']} | plan "
        f"{metrics['plan']} | seed {metrics['seed']} | {metrics.get('population', 0):,} "
        f"consumers | {metrics.get('days', 0)} days",
        "",
        f"{'Target':<44} {'rule':>9} {'value':>9}  result",
        "-" * 72,
    ]
    missed = []
    for name, t in metrics["targets"].items():
        rule = f"{t['op']} {_fmt(t['kpi'], t['threshold'])}"
        label = (t.get("label") or name)[:44]
        lines.append(f"{label:<44} {rule:>9} {_fmt(t['kpi'], t['value']):>9}  "
                     f"{'MET' if t['met'] else 'MISSED'}")
        if not t["met"]:
            missed.append(label)
    lines.append("-" * 72)
    total = len(metrics["targets"])
    lines.append("All targets met" if not missed else
                 f"{len(missed)} of {total} targets missed: " + "; ".join(missed))
    lines.append("")
    for kpi, label, fmt in EXTRA_KPIS:
        if kpi in k:
            text = f"{100 * k[kpi]:.1f} %" if fmt == "pct" else fmt.format(k[kpi])
            lines.append(f"{label:<44} {text:>20}")
    return "\n".join(lines)
