"""Uniform affine quantization (scale and zero-point), per tensor or per channel.

Follows the integer-arithmetic scheme described in the quantization
whitepaper :cite:`krishnamoorthi2018quantizing`: a real value ``x`` is
stored as the integer ``q = clamp(round(x / scale) + zero_point, qmin, qmax)``
and read back as ``scale * (q - zero_point)``.
"""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn.utils import parametrize


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


#: Layer types whose weights the model-level helpers below quantize.
QUANTIZED_LAYERS = (nn.Linear, nn.Conv2d)


def quantize_weights(model: nn.Module, bits: int, channel_dim: int | None = 0) -> nn.Module:
    """Post-training quantization of the weights: a copy of ``model`` whose weights are quantized and dequantized.

    Every :class:`~torch.nn.Linear` and :class:`~torch.nn.Conv2d` weight is
    replaced by ``fake_quantize(weight, bits, channel_dim)``: ``channel_dim=0``
    gives one scale and zero-point per output unit (per channel), ``None``
    one per tensor :cite:`krishnamoorthi2018quantizing`.  Biases and
    activations stay float32.  ``model`` itself is not changed.  Raises
    :class:`ValueError` for a bad bit-width.
    """
    integer_range(bits)
    quantized = copy.deepcopy(model)
    with torch.no_grad():
        for module in quantized.modules():
            if isinstance(module, QUANTIZED_LAYERS):
                module.weight.copy_(fake_quantize(module.weight, bits, channel_dim))
    return quantized


class FakeQuantize(nn.Module):
    """A parametrization that fake-quantizes a weight in every forward pass (quantization-aware training).

    Registered with :func:`torch.nn.utils.parametrize.register_parametrization`,
    the layer computes with ``fake_quantize(weight, bits, channel_dim)``
    while the optimiser updates the float weight behind it; the
    straight-through estimator passes the gradient through the rounding
    :cite:`krishnamoorthi2018quantizing`.
    """

    def __init__(self, bits: int, channel_dim: int | None = 0) -> None:
        super().__init__()
        integer_range(bits)
        self.bits = bits
        self.channel_dim = channel_dim

    def forward(self, weight: torch.Tensor) -> torch.Tensor:
        return fake_quantize(weight, self.bits, self.channel_dim)


def prepare_qat(model: nn.Module, bits: int, channel_dim: int | None = 0) -> nn.Module:
    """A copy of ``model`` whose Linear/Conv2d weights are fake-quantized in every forward pass (see :class:`FakeQuantize`).

    Train the copy as usual, then call :func:`finish_qat` to keep the
    quantized weights.  Raises :class:`ValueError` for a bad bit-width.
    """
    prepared = copy.deepcopy(model)
    for module in prepared.modules():
        if isinstance(module, QUANTIZED_LAYERS):
            parametrize.register_parametrization(module, "weight", FakeQuantize(bits, channel_dim))
    return prepared


def finish_qat(model: nn.Module) -> nn.Module:
    """Replace, in place, every fake-quantized weight by its quantized value and remove the parametrizations; returns ``model``."""
    for module in model.modules():
        if parametrize.is_parametrized(module, "weight"):
            parametrize.remove_parametrizations(module, "weight", leave_parametrized=True)
    return model


@torch.no_grad()
def input_qparams(model: nn.Module, x: torch.Tensor, bits: int) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """Calibration: per-tensor scale and zero-point of the input of every Linear/Conv2d layer of ``model`` on the batch ``x``.

    Runs ``model(x)`` once, records the range (min, max) of each layer's
    input and returns ``{layer name: (scale, zero_point)}`` for ``bits``
    unsigned bits, as a static post-training quantizer calibrates its
    activations :cite:`krishnamoorthi2018quantizing`.
    """
    integer_range(bits)
    ranges: dict[str, torch.Tensor] = {}
    handles = []
    for name, module in model.named_modules():
        if isinstance(module, QUANTIZED_LAYERS):
            def record(_module, inputs, name=name):
                ranges[name] = torch.stack([inputs[0].min(), inputs[0].max()])
            handles.append(module.register_forward_pre_hook(record))
    try:
        model.eval()
        model(x)
    finally:
        for handle in handles:
            handle.remove()
    return {name: affine_qparams(r, bits) for name, r in ranges.items()}


def quantize_inputs(model: nn.Module, qparams: dict[str, tuple[torch.Tensor, torch.Tensor]], bits: int) -> list:
    """Fake-quantize, in place, the input of each layer named in ``qparams`` (from :func:`input_qparams`) with those parameters.

    Adds forward pre-hooks to ``model``; returns their handles (call
    ``handle.remove()`` to undo).  Raises :class:`KeyError` for a name that
    is not a module of ``model``.
    """
    modules = dict(model.named_modules())
    handles = []
    for name, (scale, zero_point) in qparams.items():
        def hook(_module, inputs, scale=scale, zero_point=zero_point):
            q = quantize(inputs[0], scale, zero_point, bits)
            return (dequantize(q, scale, zero_point),) + tuple(inputs[1:])
        handles.append(modules[name].register_forward_pre_hook(hook))
    return handles
