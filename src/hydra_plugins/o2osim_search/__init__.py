"""o2osim's Hydra sweeper for the cheapest-plan search (docs/search.md).

Hydra only loads sweepers from the ``hydra_plugins`` namespace; this package adds one:
``hydra_plugins.o2osim_search.optuna_search_sweeper.OptunaSearchSweeper``, Hydra's Optuna
sweeper (``hydra-optuna-sweeper``) made resumable and deterministic per trial.
"""
