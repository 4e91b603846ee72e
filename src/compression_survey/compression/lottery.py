"""Lottery tickets: iterative magnitude pruning with rewinding to the initialisation, after :cite:`frankle2019lottery`.

A *winning ticket* is a sparse sub-network that, reset to the weights it
had at initialisation, trains to an accuracy comparable to the dense
network's.  :func:`find_tickets` finds one by iterative magnitude pruning:
train, prune a fraction of the remaining weights of every layer by
magnitude, rewind the survivors to their initial values, repeat.  The
control of the paper trains the same masks from a fresh random
initialisation (:func:`train_masked`).  Masks cover the weights of the
``nn.Linear`` layers; biases are never pruned.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from .pruning import linear_layers, magnitude_mask

#: ``train_fn(model, after_step)`` trains ``model`` in place and calls ``after_step(model)`` after every optimiser step.
TrainFn = Callable[[nn.Module, Callable[[nn.Module], None]], object]
Masks = dict[str, torch.Tensor]


def apply_masks(model: nn.Module, masks: Masks) -> None:
    """Zero, in place, the ``nn.Linear`` weights of ``model`` where ``masks[layer name]`` is ``False``.

    Layers missing from ``masks`` are left alone.  Raises :class:`ValueError`
    if a mask's shape differs from its weight's.
    """
    with torch.no_grad():
        for name, module in linear_layers(model):
            if name in masks:
                mask = masks[name]
                if mask.shape != module.weight.shape:
                    raise ValueError(f"mask of {name} has shape {tuple(mask.shape)}, weight {tuple(module.weight.shape)}")
                module.weight.mul_(mask)


def masks_sparsity(masks: Masks) -> float:
    """Fraction (0.0 to 1.0) of all masked weights that are pruned (``False``)."""
    total = sum(mask.numel() for mask in masks.values())
    return sum(int((~mask).sum()) for mask in masks.values()) / total


def layer_sparsity_after(rounds: int, rate: float) -> float:
    """Sparsity of a layer after ``rounds`` rounds that each prune ``rate`` of its remaining weights: ``1 − (1 − rate)^rounds``."""
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"rate must be a fraction in [0, 1), got {rate}")
    return 1.0 - (1.0 - rate) ** rounds


def train_masked(model: nn.Module, masks: Masks, train_fn: TrainFn) -> nn.Module:
    """Zero the pruned weights of ``model``, then train it with ``train_fn`` keeping them at zero; returns ``model``."""
    apply_masks(model, masks)
    train_fn(model, lambda m: apply_masks(m, masks))
    return model


@dataclass(frozen=True)
class Ticket:
    """One round of :func:`find_tickets`.

    ``round``: pruning rounds before this training (0 = dense);
    ``sparsity``: fraction of pruned ``nn.Linear`` weights (0.0 to 1.0);
    ``masks``: boolean masks by layer name (``True`` = kept);
    ``accuracy``: accuracy in percent after training the rewound ticket.
    """

    round: int
    sparsity: float
    masks: Masks
    accuracy: float


def find_tickets(
    model: nn.Module,
    train_fn: TrainFn,
    evaluate: Callable[[nn.Module], float],
    rounds: int,
    rate: float = 0.2,
    output_rate: float | None = None,
) -> list[Ticket]:
    """Iterative magnitude pruning with rewinding to the initialisation, the procedure of :cite:`frankle2019lottery`.

    Saves the initial weights of ``model`` (untrained), then for ``rounds + 1``
    rounds: rewind to the initial weights, zero the pruned ones, train with
    ``train_fn`` (see :data:`TrainFn`), evaluate (``evaluate(model)``, in
    percent), and prune ``rate`` of the remaining weights of every
    ``nn.Linear`` layer by magnitude (the last layer, the output, at
    ``output_rate``; the paper prunes it at half the rate, the default).
    Returns ``rounds + 1`` :class:`Ticket` (round 0 is the dense network);
    ``model`` ends trained as the last ticket.  Raises :class:`ValueError`
    for negative ``rounds`` or a rate outside ``[0, 1)``.
    """
    if rounds < 0:
        raise ValueError(f"rounds must be >= 0, got {rounds}")
    output_rate = rate / 2 if output_rate is None else output_rate
    layers = linear_layers(model)
    rates = {name: rate for name, _ in layers}
    rates[layers[-1][0]] = output_rate
    for value in rates.values():
        layer_sparsity_after(0, value)  # validates the rate
    initial = copy.deepcopy(model.state_dict())
    masks = {name: torch.ones_like(module.weight, dtype=torch.bool) for name, module in layers}
    tickets = []
    for k in range(rounds + 1):
        model.load_state_dict(initial)  # rewind
        train_masked(model, masks, train_fn)
        tickets.append(Ticket(k, masks_sparsity(masks), masks, evaluate(model)))
        if k < rounds:
            masks = {
                name: magnitude_mask(module.weight, layer_sparsity_after(k + 1, rates[name])) & masks[name]
                for name, module in layers
            }
    return tickets
