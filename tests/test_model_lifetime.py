"""A finished model is freed (mesa 3.3's ``Agent._ids`` kept every model alive for the life
of the process: in-process counterfactuals, replications and sweeps grew by a whole
population each)."""

from __future__ import annotations

import gc
import weakref

from o2osim.config import compose_scenario
from o2osim.model import CampaignModel, run_scenario


def test_a_model_is_freed_once_nothing_refers_to_it() -> None:
    sc = compose_scenario(["sim.population=1000", "sim.days=7"])
    model = CampaignModel(sc)
    model.run()
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None


def test_unique_ids_stay_unique_within_a_model() -> None:
    sc = compose_scenario(["sim.population=1000", "sim.days=7"])
    first, second = CampaignModel(sc), CampaignModel(sc)
    for model in (first, second):
        ids = [a.unique_id for a in (*model.channels, *model.stores)]
        assert len(set(ids)) == len(ids)
    result = run_scenario(sc)
    assert result.metrics["kpis"]["population"] == 1000
