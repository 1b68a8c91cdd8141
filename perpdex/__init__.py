"""The ``perpdex`` command line (Typer + Rich)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("perpdex")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"
