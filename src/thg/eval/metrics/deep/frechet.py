"""The Fréchet distance between two Gaussians, as pytorch-fid computes it, and running moments.

``d² = |μ1 − μ2|² + tr Σ1 + tr Σ2 − 2 tr sqrtm(Σ1 Σ2)``. The default takes ``scipy.linalg.sqrtm`` of
the product as pytorch-fid does (retrying with 1e-6 added to the diagonals if the root is not
finite, and keeping the real part); ``method="eigh"`` gets the same trace from the eigenvalues of
the symmetric ``√Σ1 Σ2 √Σ1`` — much faster at 2048 dimensions, equal up to rounding.
"""

from __future__ import annotations

import numpy as np


def frechet_distance(mu1, sigma1, mu2, sigma2, *, method: str = "sqrtm", eps: float = 1e-6) -> tuple[float, list[str]]:
    """(distance, notes)."""
    from scipy import linalg

    mu1, mu2 = np.atleast_1d(mu1).astype(np.float64), np.atleast_1d(mu2).astype(np.float64)
    s1, s2 = np.atleast_2d(sigma1).astype(np.float64), np.atleast_2d(sigma2).astype(np.float64)
    notes: list[str] = []
    diff = mu1 - mu2
    if method == "eigh":
        w1, v1 = np.linalg.eigh(s1)
        root1 = (v1 * np.sqrt(np.clip(w1, 0, None))) @ v1.T
        tr_covmean = float(np.sqrt(np.clip(np.linalg.eigvalsh(root1 @ s2 @ root1), 0, None)).sum())
    elif method == "sqrtm":
        covmean = linalg.sqrtm(s1 @ s2)
        if not np.isfinite(covmean).all():
            notes.append(f"singular product of covariances; added {eps} to the diagonals")
            offset = np.eye(s1.shape[0]) * eps
            covmean = linalg.sqrtm((s1 + offset) @ (s2 + offset))
        if np.iscomplexobj(covmean):
            if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
                notes.append(f"matrix square root has an imaginary part up to "
                             f"{np.abs(np.diagonal(covmean).imag).max():.3g} (too few samples); real part used")
            covmean = covmean.real
        tr_covmean = float(np.trace(covmean))
    else:
        raise ValueError(f"unknown Fréchet method {method!r}; use 'sqrtm' or 'eigh'")
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2 * tr_covmean), notes


class Moments:
    """Running count, sum and sum of outer products of feature vectors (mergeable, saved as arrays)."""

    def __init__(self, dim: int) -> None:
        self.n = 0
        self.sum = np.zeros(dim)
        self.outer = np.zeros((dim, dim))

    def add(self, feats: np.ndarray) -> None:
        f = np.asarray(feats, np.float64)
        self.n += len(f)
        self.sum += f.sum(0)
        self.outer += f.T @ f

    def merge(self, other: Moments) -> None:
        self.n += other.n
        self.sum += other.sum
        self.outer += other.outer

    def mean_cov(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and unbiased covariance (``np.cov(rowvar=False)``)."""
        mu = self.sum / self.n
        cov = (self.outer - self.n * np.outer(mu, mu)) / (self.n - 1)
        return mu, cov

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}_n": np.array(self.n), f"{prefix}_sum": self.sum, f"{prefix}_outer": self.outer}

    def load_arrays(self, state: dict, prefix: str) -> None:
        self.n = int(state[f"{prefix}_n"])
        self.sum = np.array(state[f"{prefix}_sum"], np.float64)
        self.outer = np.array(state[f"{prefix}_outer"], np.float64)
