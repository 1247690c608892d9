"""Stores as Mesa agents with a daily capacity (DESIGN §2 "Store visit and purchase").

This issue's store is a capacity per day: visits beyond it crowd the store — a share of
the overflow walks out, and everyone's experience suffers in proportion to the overload.
Minute-level queues (simpy) replace this in issue 3.
"""

from __future__ import annotations

import mesa
import numpy as np


class StoreAgent(mesa.Agent):
    """One store: capacity, and what happened there today."""

    def __init__(self, model: mesa.Model, store_id: int, capacity_visits_per_day: float) -> None:
        super().__init__(model)
        self.store_id = store_id
        self.capacity_visits_per_day = capacity_visits_per_day  # in simulated visits
        self.visits_today = 0
        self.load_today = 0.0

    def open_day(self, visits: int) -> None:
        self.visits_today = int(visits)
        self.load_today = visits / self.capacity_visits_per_day


def crowding(loads: np.ndarray, walkout_share_of_overflow: float) -> np.ndarray:
    """Walk-out probability of a visitor at each store load (visits / capacity).

    Of the visits beyond capacity (share ``1 - 1/load`` of all visits) a fixed share
    walks out; below capacity nobody does.
    """
    overflow = np.where(loads > 1.0, 1.0 - 1.0 / np.maximum(loads, 1e-9), 0.0)
    return walkout_share_of_overflow * overflow
