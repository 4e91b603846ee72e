"""Compression functions used by the demonstrations: quantizer error, exact sparsity, Huffman round trip, FLOP formulas."""

from __future__ import annotations

import re

import pytest
import torch

from compression_survey.bibliography import parse_bibliography
from compression_survey.compression import coding, flops, pruning, quantization


@pytest.mark.parametrize("bits", [2, 4, 8])
@pytest.mark.parametrize("channel_dim", [None, 0])
def test_quantize_dequantize_error_is_at_most_half_a_step(bits, channel_dim):
    torch.manual_seed(0)
    x = torch.randn(16, 32) * torch.linspace(0.1, 3.0, 16)[:, None]
    scale, zero_point = quantization.affine_qparams(x, bits, channel_dim)
    q = quantization.quantize(x, scale, zero_point, bits, channel_dim)
    qmin, qmax = quantization.integer_range(bits)
    assert q.min() >= qmin and q.max() <= qmax
    error = (quantization.dequantize(q, scale, zero_point, channel_dim) - x).abs()
    step = scale if channel_dim is None else scale[:, None]
    assert torch.all(error <= step / 2 + 1e-6)


def test_zero_is_exactly_representable():
    x = torch.tensor([-0.7, 0.0, 2.3])
    scale, zero_point = quantization.affine_qparams(x, 8)
    assert quantization.dequantize(quantization.quantize(x, scale, zero_point, 8), scale, zero_point)[1] == 0.0


def test_per_channel_is_no_worse_than_per_tensor():
    torch.manual_seed(1)
    x = torch.randn(8, 64) * torch.logspace(-2, 1, 8)[:, None]
    errors = {}
    for dim in (None, 0):
        s, z = quantization.affine_qparams(x, 4, dim)
        errors[dim] = (quantization.dequantize(quantization.quantize(x, s, z, 4, dim), s, z, dim) - x).pow(2).mean()
    assert errors[0] < errors[None]


def test_fake_quantize_passes_gradients_straight_through():
    x = torch.randn(10, requires_grad=True)
    quantization.fake_quantize(x, 3).sum().backward()
    assert torch.equal(x.grad, torch.ones(10))


def test_bad_bit_width_is_rejected():
    with pytest.raises(ValueError, match="bit-width"):
        quantization.integer_range(0)


@pytest.mark.parametrize("sparsity", [0.0, 0.1, 0.5, 0.9, 0.97, 1.0])
def test_magnitude_mask_hits_the_requested_sparsity_exactly(sparsity):
    torch.manual_seed(2)
    w = torch.randn(300, 100)
    mask = pruning.magnitude_mask(w, sparsity)
    assert int((~mask).sum()) == round(sparsity * w.numel())
    if 0 < sparsity < 1:
        assert w[mask].abs().min() >= w[~mask].abs().max()
    assert pruning.sparsity_of(w * mask) == pytest.approx(sparsity, abs=1e-4)


def test_global_masks_use_one_threshold():
    small, large = torch.full((10,), 0.1), torch.full((10,), 5.0)
    masks = pruning.global_magnitude_masks([small, large], 0.5)
    assert not masks[0].any() and masks[1].all()


def test_bad_sparsity_is_rejected():
    with pytest.raises(ValueError, match="fraction"):
        pruning.magnitude_mask(torch.ones(3), 1.5)


def _mlp(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(20, 30), torch.nn.ReLU(), torch.nn.Linear(30, 5))


def test_weight_counts_ignore_biases_and_count_masked_weights():
    model = _mlp()
    assert pruning.weight_counts(model) == (20 * 30 + 30 * 5, 750)
    pruning.prune_linear_weights(model, 0.9)
    total, nonzero = pruning.weight_counts(model)
    assert (total, nonzero) == (750, 75)
    assert pruning.compression_ratio(model) == pytest.approx(10.0)
    assert [name for name, _ in pruning.linear_layers(model)] == ["0", "2"]


def test_global_scope_uses_one_threshold_like_global_magnitude_masks():
    model = _mlp(1)
    weights = [m.weight.detach().clone() for _, m in pruning.linear_layers(model)]
    pruning.prune_linear_weights(model, 0.8, scope="global")
    expected = pruning.global_magnitude_masks(weights, 0.8)
    for (_, module), mask in zip(pruning.linear_layers(model), expected):
        assert torch.equal(module.weight_mask.bool(), mask)


def test_layer_scope_prunes_every_layer_to_the_same_sparsity():
    model = _mlp(2)
    weights = {name: m.weight.detach().clone() for name, m in pruning.linear_layers(model)}
    pruning.prune_linear_weights(model, 0.7, scope="layer")
    for name, module in pruning.linear_layers(model):
        assert torch.equal(module.weight_mask.bool(), pruning.magnitude_mask(weights[name], 0.7))
    assert pruning.layer_sparsities(model) == {"0": pytest.approx(0.7), "2": pytest.approx(0.7)}


@pytest.mark.parametrize("scope", ["global", "layer"])
def test_repeated_pruning_keeps_earlier_pruned_weights_pruned(scope):
    model = _mlp(3)
    pruning.prune_linear_weights(model, 0.5, scope)
    before = [m.weight_mask.clone() for _, m in pruning.linear_layers(model)]
    with torch.no_grad():  # the survivors change (as in fine-tuning), so a fresh ranking would differ
        for _, module in pruning.linear_layers(model):
            module.weight_orig.mul_(torch.rand_like(module.weight_orig))
    pruning.prune_linear_weights(model, 0.75, scope)
    for old, (_, module) in zip(before, pruning.linear_layers(model)):
        assert torch.all(module.weight_mask <= old)
    groups = [[600, 150]] if scope == "global" else [[600], [150]]
    expected_pruned = sum(round(0.75 * sum(group)) for group in groups)
    assert pruning.weight_counts(model)[1] == 750 - expected_pruned


def test_prune_linear_weights_rejects_bad_arguments():
    model = _mlp()
    with pytest.raises(ValueError, match="fraction"):
        pruning.prune_linear_weights(model, -0.1)
    with pytest.raises(ValueError, match="scope"):
        pruning.prune_linear_weights(model, 0.5, scope="row")
    pruning.prune_linear_weights(model, 0.5)
    with pytest.raises(ValueError, match="below"):
        pruning.prune_linear_weights(model, 0.3)


def test_iterative_pruning_prunes_then_fine_tunes_each_step():
    model = _mlp(4)
    calls = []

    def fine_tune(m):
        calls.append(pruning.weight_counts(m)[1])
        with torch.no_grad():  # a "fine-tuning" step that would revive pruned weights without the masks
            for _, module in pruning.linear_layers(m):
                module.weight_orig.add_(1.0)

    records = pruning.iterative_pruning(model, [0.5, 0.8, 0.9], fine_tune, lambda m: 50.0)
    assert calls == [375, 150, 75]
    assert [r["sparsity"] for r in records] == pytest.approx([0.5, 0.8, 0.9])
    assert records[-1]["ratio"] == pytest.approx(10.0)
    assert set(records[0]) == {"sparsity", "ratio", "accuracy_pruned", "accuracy"}
    with pytest.raises(ValueError, match="increasing"):
        pruning.iterative_pruning(model, [0.95, 0.93], fine_tune, lambda m: 50.0)


def test_huffman_code_is_prefix_free_and_round_trips():
    torch.manual_seed(3)
    symbols = torch.multinomial(torch.tensor([0.5, 0.2, 0.1, 0.1, 0.05, 0.05]), 2000, replacement=True).tolist()
    code = coding.huffman_code(symbols)
    words = sorted(code.values())
    assert all(not b.startswith(a) for a, b in zip(words, words[1:]))
    data = coding.encode(symbols, code)
    assert coding.decode(data, code, len(symbols)) == symbols
    assert len(data) < len(symbols) * 3 / 8  # beats a fixed 3-bit code on this skewed source
    with pytest.raises(ValueError):
        coding.decode(data[:10], code, len(symbols))


def test_huffman_single_symbol_and_empty_input():
    assert coding.huffman_code([7, 7, 7]) == {7: "0"}
    with pytest.raises(ValueError):
        coding.huffman_code([])


def test_flop_counts_match_hand_computation():
    assert flops.linear_cost(784, 300) == (784 * 300 + 300, 2 * 784 * 300)
    # 3x3 conv, 16 -> 32 channels, 8x8 output: 4608 weights, 73,728 MACs
    assert flops.conv2d_cost(16, 32, 3, 8, 8) == (4608 + 32, 2 * 4608 * 64)
    depthwise = flops.conv2d_cost(16, 16, 3, 8, 8, groups=16, bias=False)
    pointwise = flops.conv2d_cost(16, 32, 1, 8, 8, bias=False)
    assert depthwise == (144, 2 * 144 * 64) and pointwise == (512, 2 * 512 * 64)
    assert flops.low_rank_linear_cost(784, 300, 20, bias=False) == (20 * 784 + 300 * 20, 2 * (20 * 784 + 300 * 20))
    with pytest.raises(ValueError, match="groups"):
        flops.conv2d_cost(16, 30, 3, 8, 8, groups=4)


def test_depthwise_separable_cost_is_depthwise_plus_pointwise():
    cost = flops.depthwise_separable_cost(16, 32, 3, 8, 8, bias=False)
    assert cost == (144 + 512, 2 * (144 + 512) * 64)
    standard = flops.conv2d_cost(16, 32, 3, 8, 8, bias=False)
    assert cost[1] / standard[1] == pytest.approx(1 / 32 + 1 / 9)
    assert flops.depthwise_separable_cost(16, 32, 3, 8, 8)[0] == 144 + 16 + 512 + 32


def test_docstrings_cite_existing_keys(root):
    keys = set(parse_bibliography(root / "references.bib").entries)
    for module in (quantization, pruning, coding):
        cited = re.findall(r":cite:`([^`]+)`", module.__doc__)
        assert cited and set(cited) <= keys


def _trained_like_mlp() -> torch.nn.Module:
    torch.manual_seed(4)
    return torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4))


@pytest.mark.parametrize("channel_dim", [None, 0])
def test_quantize_weights_leaves_the_model_and_the_biases_alone(channel_dim):
    model = _trained_like_mlp()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    quantized = quantization.quantize_weights(model, 2, channel_dim)
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key])
    assert torch.equal(quantized[0].bias, model[0].bias)
    levels = quantized[0].weight.unique() if channel_dim is None else quantized[0].weight[0].unique()
    assert len(levels) <= 4


def test_qat_trains_through_the_rounding_and_bakes_quantized_weights():
    model = _trained_like_mlp()
    prepared = quantization.prepare_qat(model, 2, channel_dim=None)
    x, y = torch.randn(32, 16), torch.randint(0, 4, (32,))
    torch.nn.functional.cross_entropy(prepared(x), y).backward()
    original = prepared[0].parametrizations.weight.original
    assert original.grad is not None and original.grad.abs().sum() > 0
    output = prepared(x).detach()
    quantization.finish_qat(prepared)
    assert not torch.nn.utils.parametrize.is_parametrized(prepared[0])
    assert len(prepared[0].weight.unique()) <= 4
    assert torch.allclose(prepared(x), output)
    assert torch.nn.utils.parametrize.is_parametrized(quantization.prepare_qat(model, 3)[2]) is True
    assert not torch.nn.utils.parametrize.is_parametrized(model[0])


def test_input_calibration_and_fake_quantized_inputs():
    model = _trained_like_mlp()
    x = torch.rand(64, 16)
    qparams = quantization.input_qparams(model, x, 4)
    assert set(qparams) == {"0", "2"}
    scale, zero_point = qparams["0"]
    assert float(scale) == pytest.approx(float(x.max() - min(x.min(), 0)) / 15)

    def fq(t, name):
        s, z = qparams[name]
        return quantization.dequantize(quantization.quantize(t, s, z, 4), s, z)

    expected = model[2](fq(torch.relu(model[0](fq(x, "0"))), "2"))
    handles = quantization.quantize_inputs(model, qparams, 4)
    assert torch.allclose(model(x), expected)
    for handle in handles:
        handle.remove()
    assert not torch.allclose(model(x), expected)
    with pytest.raises(KeyError):
        quantization.quantize_inputs(model, {"missing": (scale, zero_point)}, 4)


def test_canonical_code_matches_huffman_lengths_and_round_trips():
    torch.manual_seed(5)
    symbols = torch.multinomial(torch.tensor([0.4, 0.3, 0.1, 0.1, 0.05, 0.05]), 500, replacement=True).tolist()
    lengths = {s: len(w) for s, w in coding.huffman_code(symbols).items()}
    code = coding.canonical_code(lengths)
    assert {s: len(w) for s, w in code.items()} == lengths
    words = sorted(code.values())
    assert all(not b.startswith(a) for a, b in zip(words, words[1:]))
    assert coding.decode(coding.encode(symbols, code), code, len(symbols)) == symbols
    assert coding.canonical_code({3: 1}) == {3: "0"}
    with pytest.raises(ValueError, match="Kraft"):
        coding.canonical_code({0: 1, 1: 1, 2: 1})


def test_fixed_length_code():
    assert coding.fixed_length_code(8)[5] == "101"
    assert coding.fixed_length_code(9)[8] == "1000"
    assert coding.fixed_length_code(1) == {0: "0"}


@pytest.mark.parametrize("gap_bits", [1, 2, 5])
def test_relative_positions_round_trip_with_escapes(gap_bits):
    positions = [0, 1, 5, 40, 41, 200]
    symbols = coding.relative_positions(positions, gap_bits)
    assert max(symbols) <= 2**gap_bits - 1
    assert coding.absolute_positions(symbols, gap_bits) == positions
    assert coding.relative_positions([2, 4], 3) == [2, 1]
    with pytest.raises(ValueError, match="increasing"):
        coding.relative_positions([3, 3], 3)


def _sparse_shared_layer(rows: int = 30, cols: int = 20):
    torch.manual_seed(6)
    codebook = torch.tensor([-0.5, -0.1, 0.2, 0.7])
    skewed = torch.multinomial(torch.tensor([0.05, 0.6, 0.3, 0.05]), rows * cols, replacement=True)
    weight = codebook[skewed.reshape(rows, cols)] * (torch.rand(rows, cols) < 0.1)
    return weight, torch.randn(rows), codebook


@pytest.mark.parametrize("huffman", [False, True])
@pytest.mark.parametrize("shared", [False, True])
def test_sparse_layer_round_trips_exactly(huffman, shared):
    weight, bias, codebook = _sparse_shared_layer()
    parts: dict[str, int] = {}
    data = coding.encode_sparse_layer(weight, bias, codebook if shared else None, 4, huffman, parts)
    assert sum(parts.values()) == len(data)
    decoded, decoded_bias, end = coding.decode_sparse_layer(data)
    assert end == len(data)
    assert torch.equal(decoded, weight) and torch.equal(decoded_bias, bias)
    n_kept = int((weight != 0).sum())
    fixed_indices = 4 + (n_kept * 2 + 7) // 8  # byte count + 2-bit indices
    if not shared:
        assert parts["values"] == 4 * n_kept
    elif huffman:
        assert parts["values"] < 4 + fixed_indices  # code table (4 bytes) included
    else:
        assert parts["values"] == fixed_indices


def test_sparse_model_round_trips_and_huffman_is_smaller():
    weight, bias, codebook = _sparse_shared_layer(300, 100)  # large enough to pay for the code tables
    empty = torch.zeros(3, 5)
    layers = [(weight, bias, codebook), (empty, None, None), (weight * 0 + codebook[2] * (weight != 0), None, codebook)]
    fixed = coding.encode_sparse_model(layers, 5, huffman=False)
    huffman = coding.encode_sparse_model(layers, 5, huffman=True)
    for data in (fixed, huffman):
        decoded = coding.decode_sparse_model(data)
        assert [torch.equal(d[0], layer[0]) for d, layer in zip(decoded, layers)] == [True] * 3
        assert decoded[1][1] is None
    assert len(huffman) < len(fixed)
    with pytest.raises(ValueError, match="left"):
        coding.decode_sparse_model(huffman + b"\0")


def test_sparse_layer_rejects_weights_outside_the_codebook():
    weight, bias, codebook = _sparse_shared_layer()
    with pytest.raises(ValueError, match="centroid"):
        coding.encode_sparse_layer(weight + 0.01 * (weight != 0), bias, codebook)
    with pytest.raises(ValueError, match="2-D"):
        coding.encode_sparse_layer(torch.ones(3), None)
