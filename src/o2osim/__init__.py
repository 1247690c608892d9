"""o2osim: agent-based simulator of online-to-offline (O2O / OMO) integrated marketing campaigns."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("o2osim")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
