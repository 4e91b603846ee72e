"""Parameter and FLOP counts of the layers the demonstrations compress.

FLOPs are multiply-accumulates counted as two operations each (one multiply, one add).
"""

from __future__ import annotations


def linear_cost(in_features: int, out_features: int, bias: bool = True) -> tuple[int, int]:
    """``(parameters, FLOPs)`` of one fully connected layer on one input vector."""
    params = in_features * out_features + (out_features if bias else 0)
    return params, 2 * in_features * out_features


def conv2d_cost(in_channels: int, out_channels: int, kernel: int, out_h: int, out_w: int,
                groups: int = 1, bias: bool = True) -> tuple[int, int]:
    """``(parameters, FLOPs)`` of a ``kernel`` x ``kernel`` convolution producing an ``out_h`` x ``out_w`` map.

    Raises :class:`ValueError` if ``groups`` does not divide both channel counts.
    """
    if in_channels % groups or out_channels % groups:
        raise ValueError(f"groups={groups} must divide in_channels={in_channels} and out_channels={out_channels}")
    weights = out_channels * (in_channels // groups) * kernel * kernel
    params = weights + (out_channels if bias else 0)
    return params, 2 * weights * out_h * out_w


def low_rank_linear_cost(in_features: int, out_features: int, rank: int, bias: bool = True) -> tuple[int, int]:
    """``(parameters, FLOPs)`` of a fully connected layer factorised as ``(out x rank) @ (rank x in)`` (truncated SVD)."""
    first = linear_cost(in_features, rank, bias=False)
    second = linear_cost(rank, out_features, bias=bias)
    return first[0] + second[0], first[1] + second[1]


def depthwise_separable_cost(in_channels: int, out_channels: int, kernel: int, out_h: int, out_w: int,
                             bias: bool = True) -> tuple[int, int]:
    """``(parameters, FLOPs)`` of a depthwise separable convolution, as in MobileNets (Howard et al. 2017).

    A ``kernel`` x ``kernel`` depthwise convolution (one filter per input
    channel, ``groups=in_channels``) followed by a 1x1 pointwise convolution
    to ``out_channels``, both producing an ``out_h`` x ``out_w`` map; each has
    a bias if ``bias``.  Its cost relative to a standard convolution is
    ``1 / out_channels + 1 / kernel**2`` (ignoring biases).
    """
    depthwise = conv2d_cost(in_channels, in_channels, kernel, out_h, out_w, groups=in_channels, bias=bias)
    pointwise = conv2d_cost(in_channels, out_channels, 1, out_h, out_w, bias=bias)
    return depthwise[0] + pointwise[0], depthwise[1] + pointwise[1]
