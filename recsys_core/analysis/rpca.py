"""Robust PCA by principal component pursuit: M = L (low rank) + S (sparse), inexact ALM (Lin, Chen & Ma 2010)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recsys_core.analysis._common import Trained, check_side, factors_of, names_of, selected_codes
from recsys_core.analysis.pca import PCAResult, matrix_pca
from recsys_core.data.ratings import Ratings
from recsys_core.errors import DataError


@dataclass(frozen=True, kw_only=True, eq=False)
class RobustPCAResult:
    """``low_rank`` L and ``sparse`` S with L + S ~= M; ``rank`` of L, ``iterations`` run, whether it ``converged``."""

    low_rank: np.ndarray
    sparse: np.ndarray
    rank: int
    iterations: int
    converged: bool
    lam: float


def _shrink(x: np.ndarray, tau: float) -> np.ndarray:
    return np.sign(x) * np.maximum(np.abs(x) - tau, 0.0)


def robust_pca(
    m: np.ndarray, *, lam: float | None = None, tol: float = 1e-7, max_iter: int = 1000, rho: float = 1.5
) -> RobustPCAResult:
    """Principal component pursuit of ``m [n, f]``: min ||L||_* + lam ||S||_1 subject to L + S = M.

    The standard inexact augmented Lagrangian method; ``lam`` defaults to
    1 / sqrt(max(n, f)). Stops when ||M - L - S||_F / ||M||_F < ``tol``.

    Example:
        >>> result = robust_pca(model.params["item_factors"][1:])
    """
    m = np.asarray(m, dtype=np.float64)
    if m.ndim != 2 or min(m.shape) < 1 or not np.isfinite(m).all():
        raise DataError(f"robust PCA needs a finite 2-d matrix, got shape {m.shape}")
    lam = float(lam) if lam is not None else 1.0 / np.sqrt(max(m.shape))
    norm_fro = float(np.linalg.norm(m))
    if norm_fro == 0:
        return RobustPCAResult(low_rank=m.copy(), sparse=np.zeros_like(m), rank=0, iterations=0, converged=True, lam=lam)
    norm_two = float(np.linalg.norm(m, 2))
    y = m / max(norm_two, np.abs(m).max() / lam)
    mu = 1.25 / norm_two
    mu_max = mu * 1e7
    low = np.zeros_like(m)
    sparse = np.zeros_like(m)
    rank, converged, it = 0, False, 0
    for it in range(1, max_iter + 1):
        sparse = _shrink(m - low + y / mu, lam / mu)
        u, s, vt = np.linalg.svd(m - sparse + y / mu, full_matrices=False)
        s = np.maximum(s - 1.0 / mu, 0.0)
        rank = int((s > 0).sum())
        low = (u[:, :rank] * s[:rank]) @ vt[:rank]
        z = m - low - sparse
        y = y + mu * z
        mu = min(mu * rho, mu_max)
        if np.linalg.norm(z) / norm_fro < tol:
            converged = True
            break
    return RobustPCAResult(low_rank=low, sparse=sparse, rank=rank, iterations=it, converged=converged, lam=lam)


def factor_robust_pca(
    model: Trained,
    ratings: Ratings | None = None,
    *,
    side: str = "item",
    k: int = 3,
    top_rated: int | None = None,
    lam: float | None = None,
) -> tuple[RobustPCAResult, PCAResult, PCAResult]:
    """Robust PCA of the factors of ``side`` and the PCA views of its L and S: (result, pca of L, pca of S)."""
    check_side(side)
    codes = selected_codes(model, ratings, side, top_rated)
    result = robust_pca(factors_of(model, side)[codes], lam=lam)
    names = names_of(model, side, codes)
    return (
        result,
        matrix_pca(result.low_rank, names, codes, k=k, side=side, label="low-rank L"),
        matrix_pca(result.sparse, names, codes, k=k, side=side, label="sparse S"),
    )
