"""JAX/Flax (``flax.nnx``) backend for recsys.

Registered through the ``recsys`` entry point as ``recsys_jax.plugin``.
Importing this package does not import jax; the backend imports it on first
use, so a missing jax is reported by ``recsys plugins`` instead of crashing.
"""

from recsys_jax.backend import JaxBackend

__all__ = ["JaxBackend"]
