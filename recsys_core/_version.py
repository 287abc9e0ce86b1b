"""Library version and the plugin API version that plugins declare against."""

__version__ = "0.1.0"

#: Bumped when the Backend protocol or a hook signature changes incompatibly.
API_VERSION = 1
