"""Uniform affine quantization (scale and zero-point), per tensor or per channel.

Follows the integer-arithmetic scheme described in the quantization
whitepaper :cite:`krishnamoorthi2018quantizing`: a real value ``x`` is
stored as the integer ``q = clamp(round(x / scale) + zero_point, qmin, qmax)``
and read back as ``scale * (q - zero_point)``.
"""

from __future__ import annotations

import torch


def integer_range(bits: int, signed: bool = False) -> tuple[int, int]:
    """``(qmin, qmax)`` of a ``bits``-bit integer: ``(0, 2**bits - 1)`` unsigned, ``(-2**(bits-1), 2**(bits-1) - 1)`` signed.

    Raises :class:`ValueError` unless ``1 <= bits <= 16``.
    """
    if not 1 <= bits <= 16:
        raise ValueError(f"bit-width must be between 1 and 16, got {bits}")
    return (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)


def affine_qparams(x: torch.Tensor, bits: int, channel_dim: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Scale and zero-point that map the range of ``x`` (extended to include 0) onto ``bits`` unsigned bits.

    ``x``: any shape. ``channel_dim``: ``None`` for one scale per tensor,
    else one per index along that dimension. Returns ``(scale, zero_point)``,
    float and int64 tensors of shape ``()`` or ``(x.shape[channel_dim],)``;
    a constant channel gets scale 1.0. Raises :class:`ValueError` for a bad bit-width.
    """
    qmin, qmax = integer_range(bits)
    if channel_dim is None:
        low, high = x.min(), x.max()
    else:
        flat = x.transpose(0, channel_dim).reshape(x.shape[channel_dim], -1)
        low, high = flat.min(dim=1).values, flat.max(dim=1).values
    low = torch.clamp(low, max=0.0)
    high = torch.clamp(high, min=0.0)
    scale = (high - low) / (qmax - qmin)
    scale = torch.where(scale > 0, scale, torch.ones_like(scale))
    zero_point = torch.clamp(torch.round(qmin - low / scale), qmin, qmax).to(torch.int64)
    return scale, zero_point


def _broadcast(t: torch.Tensor, x: torch.Tensor, channel_dim: int | None) -> torch.Tensor:
    if channel_dim is None or t.dim() == 0:
        return t
    shape = [1] * x.dim()
    shape[channel_dim] = -1
    return t.reshape(shape)


def quantize(x: torch.Tensor, scale: torch.Tensor, zero_point: torch.Tensor, bits: int,
             channel_dim: int | None = None) -> torch.Tensor:
    """Integer codes of ``x`` (int64, same shape), clamped to the unsigned ``bits``-bit range."""
    qmin, qmax = integer_range(bits)
    s, z = _broadcast(scale, x, channel_dim), _broadcast(zero_point, x, channel_dim)
    return torch.clamp(torch.round(x / s) + z, qmin, qmax).to(torch.int64)


def dequantize(q: torch.Tensor, scale: torch.Tensor, zero_point: torch.Tensor,
               channel_dim: int | None = None) -> torch.Tensor:
    """Real values ``scale * (q - zero_point)`` (float32, same shape as ``q``)."""
    s, z = _broadcast(scale, q, channel_dim), _broadcast(zero_point, q, channel_dim)
    return (s * (q - z)).to(torch.float32)


def fake_quantize(x: torch.Tensor, bits: int, channel_dim: int | None = None) -> torch.Tensor:
    """Quantize then dequantize ``x`` with parameters from its own range.

    The gradient passes straight through (straight-through estimator), so
    the function can be used in quantization-aware training.
    """
    with torch.no_grad():
        scale, zero_point = affine_qparams(x, bits, channel_dim)
        rounded = dequantize(quantize(x, scale, zero_point, bits, channel_dim), scale, zero_point, channel_dim)
    return x + (rounded - x).detach()
