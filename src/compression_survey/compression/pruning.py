"""Magnitude pruning masks, after :cite:`han2015learning`: the weights of smallest absolute value are removed."""

from __future__ import annotations

import torch


def magnitude_mask(weight: torch.Tensor, sparsity: float) -> torch.Tensor:
    """Boolean mask (same shape as ``weight``) keeping the largest-magnitude weights.

    Exactly ``round(sparsity * weight.numel())`` entries are ``False``
    (ties broken by position). ``sparsity`` is a fraction in ``[0, 1]``;
    :class:`ValueError` otherwise.
    """
    if not 0.0 <= sparsity <= 1.0:
        raise ValueError(f"sparsity must be a fraction in [0, 1], got {sparsity}")
    n_pruned = round(sparsity * weight.numel())
    mask = torch.ones(weight.numel(), dtype=torch.bool)
    if n_pruned:
        order = torch.argsort(weight.detach().abs().flatten(), stable=True)
        mask[order[:n_pruned]] = False
    return mask.reshape(weight.shape)


def global_magnitude_masks(weights: list[torch.Tensor], sparsity: float) -> list[torch.Tensor]:
    """Masks for several tensors with one threshold over all of them, pruning exactly ``round(sparsity * total)`` weights."""
    flat = torch.cat([w.detach().flatten() for w in weights])
    joint = magnitude_mask(flat, sparsity)
    masks, start = [], 0
    for w in weights:
        masks.append(joint[start:start + w.numel()].reshape(w.shape))
        start += w.numel()
    return masks


def sparsity_of(tensor: torch.Tensor) -> float:
    """Fraction of exactly-zero entries of ``tensor`` (0.0 to 1.0)."""
    return float((tensor == 0).sum()) / tensor.numel()
