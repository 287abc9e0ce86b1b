"""Exceptions and warnings raised by recsys.

Each error subclasses the builtin a caller would naturally catch
(``ValueError`` for bad input, ``KeyError`` for unknown names, ...), so
``except ValueError`` keeps working for code that does not know recsys.
"""

from __future__ import annotations


class RecsysError(Exception):
    """Base class of every error raised by recsys."""


class DataError(RecsysError, ValueError):
    """Input data is malformed: a missing column, a NaN rating, an empty frame."""


class ChecksumError(DataError):
    """A downloaded or supplied file does not match its expected checksum or contents."""


class DatasetUnavailableError(RecsysError, FileNotFoundError):
    """A dataset is neither cached nor downloadable (e.g. offline)."""


class ConfigError(RecsysError, ValueError):
    """A ModelSpec, TrainConfig or command-line option has an invalid value."""


class CheckpointError(RecsysError, ValueError):
    """A checkpoint file is missing, truncated, corrupted or of an unknown format."""


class UnknownNameError(RecsysError, KeyError):
    """A backend, model, dataset or metric name is not registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class BackendUnavailableError(RecsysError, ImportError):
    """A backend is registered but its framework is not installed or usable."""


class PluginError(RecsysError):
    """A plugin failed to load or registered something invalid."""


class RecsysWarning(UserWarning):
    """A warning about input data or configuration that recsys tolerated."""
