"""Magnitude pruning, after :cite:`han2015learning`: the weights of smallest absolute value are removed.

:func:`magnitude_mask` and :func:`global_magnitude_masks` compute masks;
the helpers below prune the weights of a model's ``nn.Linear`` layers with
``torch.nn.utils.prune`` (one threshold per layer or one for all layers),
count what is left and run the iterative prune-and-fine-tune loop of the
paper.  Biases are never pruned and never counted.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn
from torch.nn.utils import prune


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


def linear_layers(model: nn.Module) -> list[tuple[str, nn.Linear]]:
    """The ``nn.Linear`` sub-modules of ``model`` as ``(qualified name, module)`` pairs, in definition order."""
    return [(name, module) for name, module in model.named_modules() if isinstance(module, nn.Linear)]


def weight_counts(model: nn.Module) -> tuple[int, int]:
    """``(total, non-zero)`` number of weights of the ``nn.Linear`` layers of ``model`` (biases excluded).

    For a layer pruned with ``torch.nn.utils.prune`` the effective (masked)
    ``weight`` is counted.
    """
    total = nonzero = 0
    for _, module in linear_layers(model):
        total += module.weight.numel()
        nonzero += int(torch.count_nonzero(module.weight))
    return total, nonzero


def compression_ratio(model: nn.Module) -> float:
    """Dense weight count ÷ non-zero weight count of the ``nn.Linear`` layers (×; biases excluded).

    Raises :class:`ValueError` if every weight is zero.
    """
    total, nonzero = weight_counts(model)
    if nonzero == 0:
        raise ValueError("every weight is zero")
    return total / nonzero


def layer_sparsities(model: nn.Module) -> dict[str, float]:
    """Sparsity (fraction of zero weights, 0.0 to 1.0) of each ``nn.Linear`` weight, by layer name."""
    return {name: sparsity_of(module.weight) for name, module in linear_layers(model)}


def prune_linear_weights(model: nn.Module, sparsity: float, scope: str = "global") -> None:
    """Prune the ``nn.Linear`` weights of ``model`` in place, by magnitude, up to ``sparsity``.

    ``scope="global"``: one threshold over all layers
    (``prune.global_unstructured``), so that ``round(sparsity * total)``
    weights of all layers together are zero; ``scope="layer"``: the same
    ``sparsity`` in every layer (``prune.l1_unstructured`` per layer).
    Weights pruned before stay pruned: only the missing number of further
    weights is removed, so repeated calls with growing ``sparsity`` give
    the iterative schedule of :cite:`han2015learning`.  Raises
    :class:`ValueError` if ``sparsity`` is not in ``[0, 1]``, is below the
    sparsity already reached, or ``scope`` is unknown.
    """
    if not 0.0 <= sparsity <= 1.0:
        raise ValueError(f"sparsity must be a fraction in [0, 1], got {sparsity}")
    layers = [module for _, module in linear_layers(model)]
    if scope == "global":
        groups = [layers]
    elif scope == "layer":
        groups = [[module] for module in layers]
    else:
        raise ValueError(f"scope must be 'global' or 'layer', got {scope!r}")
    for group in groups:
        total = sum(module.weight.numel() for module in group)
        already = sum(int((module.weight == 0).sum()) for module in group)
        more = round(sparsity * total) - already
        if more < 0:
            raise ValueError(f"sparsity {sparsity} is below the sparsity already reached ({already / total:.4f})")
        if len(group) == 1:
            prune.l1_unstructured(group[0], "weight", amount=more)
        else:
            prune.global_unstructured([(m, "weight") for m in group], pruning_method=prune.L1Unstructured, amount=more)


def iterative_pruning(
    model: nn.Module,
    schedule: list[float],
    fine_tune: Callable[[nn.Module], object],
    evaluate: Callable[[nn.Module], float],
    scope: str = "global",
) -> list[dict[str, float]]:
    """Iterative pruning with fine-tuning (:cite:`han2015learning`): prune to each sparsity of ``schedule``, then fine-tune.

    ``schedule``: increasing sparsities (fractions); ``fine_tune(model)``
    retrains in place (the pruning masks keep pruned weights at zero);
    ``evaluate(model)`` returns an accuracy in percent.  Returns one record
    per step: ``sparsity`` (reached, fraction), ``ratio`` (×, see
    :func:`compression_ratio`), ``accuracy_pruned`` (before fine-tuning)
    and ``accuracy`` (after), in percent.  Raises :class:`ValueError` if
    ``schedule`` is not increasing.
    """
    if any(b <= a for a, b in zip(schedule, schedule[1:])):
        raise ValueError("schedule must be strictly increasing")
    records = []
    for target in schedule:
        prune_linear_weights(model, target, scope)
        pruned_accuracy = evaluate(model)
        fine_tune(model)
        total, nonzero = weight_counts(model)
        records.append(
            {
                "sparsity": 1 - nonzero / total,
                "ratio": total / nonzero,
                "accuracy_pruned": pruned_accuracy,
                "accuracy": evaluate(model),
            }
        )
    return records
