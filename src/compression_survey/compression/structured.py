"""Structured (filter) pruning that physically removes channels, after :cite:`li2017pruning`.

Li et al. rank the filters of a convolutional layer by the L1 norm of their
weights, remove the filters of smallest norm, and with each removed filter
remove the feature map it produces and the matching input channels (kernel
slices) of the next layer.  The result is a genuinely narrower dense network:
fewer parameters, fewer FLOPs and, unlike unstructured sparsity, lower latency
with ordinary dense kernels.

The functions here build new, smaller :class:`torch.nn.Conv2d` /
:class:`torch.nn.Linear` modules from slices of the old weights; they never
modify their inputs.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from compression_survey.compression.flops import conv2d_cost, linear_cost
from compression_survey.demos import SmallCNN


def filter_l1_norms(weight: torch.Tensor) -> torch.Tensor:
    """L1 norm of every filter: ``weight.abs()`` summed over all dimensions but the first.

    ``weight``: shape ``(out_channels, in_channels, kh, kw)`` (a convolution)
    or ``(out_features, in_features)`` (a linear layer).  Returns a float
    tensor of shape ``(out_channels,)``.  Raises :class:`ValueError` for a
    tensor of fewer than two dimensions.
    """
    if weight.dim() < 2:
        raise ValueError(f"expected a weight of at least 2 dimensions, got shape {tuple(weight.shape)}")
    return weight.detach().abs().flatten(1).sum(dim=1)


def keep_indices(scores: torch.Tensor, n_keep: int) -> torch.Tensor:
    """Indices (int64, ascending) of the ``n_keep`` largest ``scores``; ties keep the lower index.

    ``scores``: shape ``(n,)``.  Raises :class:`ValueError` unless
    ``1 <= n_keep <= n`` (a layer must keep at least one filter).
    """
    n = scores.numel()
    if not 1 <= n_keep <= n:
        raise ValueError(f"n_keep must be between 1 and {n}, got {n_keep}")
    order = torch.argsort(-scores.detach().flatten(), stable=True)
    return torch.sort(order[:n_keep]).values


def n_kept(n: int, keep_fraction: float) -> int:
    """Filters kept out of ``n`` for ``keep_fraction`` in ``(0, 1]``: ``round(keep_fraction * n)``, at least 1.

    Raises :class:`ValueError` for a fraction outside ``(0, 1]``.
    """
    if not 0.0 < keep_fraction <= 1.0:
        raise ValueError(f"keep_fraction must be in (0, 1], got {keep_fraction}")
    return max(1, round(keep_fraction * n))


@torch.no_grad()
def slice_conv2d(conv: nn.Conv2d, out_keep: torch.Tensor | None = None,
                 in_keep: torch.Tensor | None = None) -> nn.Conv2d:
    """A new, narrower copy of ``conv`` keeping the output filters ``out_keep`` and input channels ``in_keep``.

    ``None`` keeps all.  Kernel size, stride, padding and dilation are
    copied.  Weight shape goes from ``(C_out, C_in, k, k)`` to
    ``(len(out_keep), len(in_keep), k, k)``.  Raises :class:`ValueError`
    for grouped convolutions (``groups != 1``), which this does not handle.
    """
    if conv.groups != 1:
        raise ValueError("slice_conv2d handles only ungrouped convolutions (groups=1)")
    out_keep = torch.arange(conv.out_channels) if out_keep is None else out_keep
    in_keep = torch.arange(conv.in_channels) if in_keep is None else in_keep
    new = nn.Conv2d(len(in_keep), len(out_keep), conv.kernel_size, stride=conv.stride,
                    padding=conv.padding, dilation=conv.dilation, bias=conv.bias is not None,
                    padding_mode=conv.padding_mode)
    new.weight.copy_(conv.weight[out_keep][:, in_keep])
    if conv.bias is not None:
        new.bias.copy_(conv.bias[out_keep])
    return new


@torch.no_grad()
def slice_linear_inputs(linear: nn.Linear, in_keep: torch.Tensor) -> nn.Linear:
    """A new copy of ``linear`` that reads only the input features ``in_keep``; weight ``(out, len(in_keep))``."""
    new = nn.Linear(len(in_keep), linear.out_features, bias=linear.bias is not None)
    new.weight.copy_(linear.weight[:, in_keep])
    if linear.bias is not None:
        new.bias.copy_(linear.bias)
    return new


def prune_small_cnn(model: SmallCNN, keep_fraction: float | Sequence[float]) -> tuple[SmallCNN, list[torch.Tensor]]:
    """L1-norm filter pruning of a :class:`~compression_survey.demos.SmallCNN` into a narrower ``SmallCNN``.

    ``keep_fraction``: fraction of filters kept in each of ``conv1``,
    ``conv2``, ``conv3`` (one number for all three, or three numbers).  Each
    layer's filters are ranked by :func:`filter_l1_norms` of the *original*
    weights (Li et al.'s "independent" strategy); the kept filters are
    copied, and so are the matching input channels of the next convolution
    and the matching inputs of ``fc``.  Returns the new model (in eval mode)
    and the kept filter indices of each convolution.  ``model`` is not
    changed.  Raises :class:`ValueError` for fractions outside ``(0, 1]``
    or not exactly three of them.
    """
    fractions = [keep_fraction] * 3 if isinstance(keep_fraction, (int, float)) else list(keep_fraction)
    if len(fractions) != 3:
        raise ValueError(f"expected one or three keep fractions, got {len(fractions)}")
    convs = [model.conv1, model.conv2, model.conv3]
    kept = [keep_indices(filter_l1_norms(conv.weight), n_kept(conv.out_channels, f))
            for conv, f in zip(convs, fractions)]
    pruned = SmallCNN(tuple(len(k) for k in kept))
    pruned.conv1 = slice_conv2d(model.conv1, out_keep=kept[0])
    pruned.conv2 = slice_conv2d(model.conv2, out_keep=kept[1], in_keep=kept[0])
    pruned.conv3 = slice_conv2d(model.conv3, out_keep=kept[2], in_keep=kept[1])
    pruned.fc = slice_linear_inputs(model.fc, kept[2])
    return pruned.eval(), kept


def small_cnn_cost(channels: Sequence[int], in_channels: int = 1) -> tuple[int, int]:
    """``(parameters, FLOPs per image)`` of a ``SmallCNN(channels)`` by formula (8×8 input; FLOPs = 2 × MACs).

    Counts the three convolutions (8×8, 8×8 and, after the pool, 4×4 output
    maps) and the final linear layer; pooling and ReLU are not counted.
    """
    c1, c2, c3 = channels
    layers = [conv2d_cost(in_channels, c1, 3, 8, 8), conv2d_cost(c1, c2, 3, 8, 8),
              conv2d_cost(c2, c3, 3, 4, 4), linear_cost(c3, 10)]
    return sum(p for p, _ in layers), sum(f for _, f in layers)
