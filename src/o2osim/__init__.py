"""o2osim: agent-based simulator of online-to-offline (O2O / OMO) integrated marketing campaigns.

The command line is ``o2osim`` (docs/cli.md); in Python (docs/api.md)::

    import o2osim
    result = o2osim.run(market="hotpot_chain", plan="integrated",
                        overrides={"sim.population": 20000})
    result.kpis["roi"], result.daily, result.save("results/api/hotpot")

Importing the package is light: the engine, Hydra, pandas and matplotlib are imported
when a scenario is composed or run.
"""

from importlib.metadata import PackageNotFoundError, version

from o2osim.api import Result, Scenario, Sweep, run, scenario, sweep

try:
    __version__ = version("o2osim")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["ConfigError", "Result", "Scenario", "Sweep", "__version__", "run", "scenario",
           "sweep"]


def __getattr__(name: str) -> object:
    """``o2osim.ConfigError`` (bad input: :class:`o2osim.config.ConfigError`), imported when
    first used so that ``import o2osim`` stays light."""
    if name == "ConfigError":
        from o2osim.config.validate import ConfigError

        return ConfigError
    raise AttributeError(f"module 'o2osim' has no attribute {name!r}")
