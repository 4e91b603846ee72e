"""Low-rank factorisation of fully connected layers by truncated singular value decomposition.

A weight matrix ``W`` (``out × in``) is replaced by its best rank-``r``
approximation in the Frobenius norm (Eckart–Young), ``W ≈ U_r Σ_r V_rᵀ``,
stored as two thinner layers: ``first = Σ_r^{1/2} V_rᵀ`` (``r × in``, no
bias) followed by ``second = U_r Σ_r^{1/2}`` (``out × r``, with the original
bias).  One matrix–vector product of ``2·in·out`` FLOPs becomes two of
``2·r·(in + out)`` FLOPs in total, fewer whenever ``r < in·out / (in + out)``.
This is the factorisation that low-rank compression methods such as
:cite:`alvarez2017compression` and :cite:`kim2019efficient` start from;
they differ in how they train for it and how they choose the ranks.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


def svd_factors(weight: torch.Tensor, rank: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Factors ``(A, B)`` with ``B @ A`` the best rank-``rank`` approximation of ``weight``.

    ``weight``: shape ``(out, in)``.  Returns ``A`` of shape ``(rank, in)``
    (``Σ_r^{1/2} V_rᵀ``) and ``B`` of shape ``(out, rank)`` (``U_r Σ_r^{1/2}``);
    the singular values are split evenly between the two factors.
    Raises :class:`ValueError` unless ``weight`` is 2-D and
    ``1 ≤ rank ≤ min(out, in)``.
    """
    if weight.dim() != 2:
        raise ValueError(f"weight must be a matrix, got shape {tuple(weight.shape)}")
    max_rank = min(weight.shape)
    if not 1 <= rank <= max_rank:
        raise ValueError(f"rank must be between 1 and {max_rank}, got {rank}")
    u, s, vh = torch.linalg.svd(weight.detach(), full_matrices=False)
    root = s[:rank].sqrt()
    return root[:, None] * vh[:rank], u[:, :rank] * root


def factorize_linear(layer: nn.Linear, rank: int) -> nn.Sequential:
    """Two ``nn.Linear`` layers (``in → rank`` without bias, ``rank → out`` with ``layer``'s bias) approximating ``layer``.

    Input ``(batch, in)``, output ``(batch, out)`` as for ``layer``; the
    result equals ``layer`` exactly when ``rank`` is the rank of its weight.
    ``layer`` is not modified.  Raises :class:`ValueError` for a rank
    outside ``1 … min(in, out)``.
    """
    first_weight, second_weight = svd_factors(layer.weight, rank)
    first = nn.Linear(layer.in_features, rank, bias=False)
    second = nn.Linear(rank, layer.out_features, bias=layer.bias is not None)
    with torch.no_grad():
        first.weight.copy_(first_weight)
        second.weight.copy_(second_weight)
        if layer.bias is not None:
            second.bias.copy_(layer.bias)
    return nn.Sequential(first, second)


def factorize_model(model: nn.Module, ranks: dict[str, int]) -> nn.Module:
    """A copy of ``model`` whose ``nn.Linear`` submodules named in ``ranks`` are factorised.

    ``ranks`` maps a submodule name (as in ``model.named_modules()``, e.g.
    ``"fc1"``) to its rank.  ``model`` itself is not modified.  Raises
    :class:`KeyError` for a name that is not a submodule,
    :class:`TypeError` if it is not ``nn.Linear``, and :class:`ValueError`
    for a bad rank.
    """
    result = copy.deepcopy(model)
    modules = dict(result.named_modules())
    for name, rank in ranks.items():
        if name not in modules or not name:
            raise KeyError(f"model has no submodule {name!r}")
        layer = modules[name]
        if not isinstance(layer, nn.Linear):
            raise TypeError(f"{name!r} is a {type(layer).__name__}, not nn.Linear")
        parent_name, _, attribute = name.rpartition(".")
        parent = modules[parent_name] if parent_name else result
        setattr(parent, attribute, factorize_linear(layer, rank))
    return result


def energy_retained(weight: torch.Tensor) -> torch.Tensor:
    """Fraction of ``‖weight‖²_F`` kept by the best rank-``r`` approximation, for ``r = 1 … min(out, in)``.

    ``weight``: shape ``(out, in)``.  Returns a float tensor of shape
    ``(min(out, in),)``, non-decreasing, ending at 1 (``Σ_{i≤r} σ_i² / Σ_i σ_i²``).
    Raises :class:`ValueError` unless ``weight`` is 2-D and non-zero.
    """
    if weight.dim() != 2:
        raise ValueError(f"weight must be a matrix, got shape {tuple(weight.shape)}")
    squared = torch.linalg.svdvals(weight.detach()) ** 2
    total = squared.sum()
    if total == 0:
        raise ValueError("weight is all zeros")
    return squared.cumsum(0) / total
