"""recsys-numpy: an example recsys plugin (a float64 numpy backend, a toy dataset and a metric)."""

__version__ = "0.1.0"
