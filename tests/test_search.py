"""Depthwise separable convolution, the search space's networks and costs, mutations, Pareto front, evolution."""

from __future__ import annotations

import random
import re

import pytest
import torch
from torch import nn

from compression_survey.bibliography import parse_bibliography
from compression_survey.compression import flops, search
from compression_survey.demos import LeNet300100, SmallCNN, count_parameters


def test_separable_conv_shapes_and_parameters():
    layer = search.SeparableConv2d(16, 32)
    assert layer(torch.randn(2, 16, 8, 8)).shape == (2, 32, 8, 8)
    assert count_parameters(layer) == flops.depthwise_separable_cost(16, 32, 3, 8, 8)[0]
    assert layer.depthwise.groups == 16


def test_separable_conv_equals_a_standard_conv_with_rank_one_kernels():
    """A depthwise separable layer is a standard convolution whose kernel factorises as pointwise x depthwise."""
    torch.manual_seed(0)
    sep = search.SeparableConv2d(4, 6)
    full = nn.Conv2d(4, 6, 3, padding=1)
    with torch.no_grad():
        pw = sep.pointwise.weight[:, :, 0, 0]  # (6, 4)
        full.weight.copy_(pw[:, :, None, None] * sep.depthwise.weight[:, 0][None])
        full.bias.copy_(sep.pointwise.bias + pw @ sep.depthwise.bias)
    x = torch.randn(3, 4, 7, 7)
    torch.testing.assert_close(sep(x), full(x))


def test_default_architecture_matches_small_cnn():
    arch = search.Architecture((32, 64, 128))
    model = search.SearchCNN(arch)
    assert count_parameters(model) == count_parameters(SmallCNN())
    torch.manual_seed(0)
    small = SmallCNN()
    with torch.no_grad():
        for mine, theirs in zip(model.convs, (small.conv1, small.conv2, small.conv3)):
            mine.load_state_dict(theirs.state_dict())
        model.fc.load_state_dict(small.fc.state_dict())
    x = torch.randn(4, 1, 8, 8)
    torch.testing.assert_close(model(x), small(x))


@pytest.mark.parametrize("arch", [
    search.Architecture((8,)), search.Architecture((16, 32)), search.Architecture((32, 64, 128)),
    search.Architecture((16, 32, 64), separable=True), search.Architecture((8, 128, 8, 64), separable=True),
])
def test_cost_formula_matches_real_module(arch):
    model = search.SearchCNN(arch)
    params, _ = search.cnn_cost(arch)
    assert params == count_parameters(model)
    assert model(torch.randn(2, 1, 8, 8)).shape == (2, 10)


def test_flops_formula_by_hand():
    # 1 -> 8 conv (8x8), 8 -> 16 separable (8x8), pool, fc 16 -> 10
    expected = 2 * (9 * 8 * 64 + (9 * 8 + 8 * 16) * 64 + 16 * 10)
    assert search.cnn_cost(search.Architecture((8, 16), separable=True))[1] == expected
    assert search.Architecture((8, 16), True).label() == "8-16 sep"


@pytest.mark.parametrize("widths", [(300, 100), (16,), (8, 8, 8)])
def test_mlp_cost_matches_real_module(widths):
    arch = search.Architecture(widths)
    model = search.SearchMLP(arch)
    params, flop_count = search.mlp_cost(arch)
    assert params == count_parameters(model)
    sizes = [64, *widths, 10]
    assert flop_count == 2 * sum(a * b for a, b in zip(sizes, sizes[1:]))
    assert model(torch.randn(3, 1, 8, 8)).shape == (3, 10)


def test_lenet_is_an_mlp_architecture():
    assert search.mlp_cost(search.Architecture((300, 100)))[0] == count_parameters(LeNet300100())
    with pytest.raises(ValueError, match="separable"):
        search.SearchMLP(search.Architecture((8,), separable=True))


def test_bad_architecture_is_rejected():
    with pytest.raises(ValueError, match="widths"):
        search.Architecture(())


def test_mutations_stay_in_the_space_and_differ_by_one_edit():
    space = search.SearchSpace()
    rng = random.Random(0)
    kinds = set()
    for _ in range(300):
        parent = search.random_architecture(space, rng)
        child = search.mutate(parent, space, rng)
        assert space.contains(child) and child != parent
        kinds.add(search._edit_kind(parent, child))
        if child.depth == parent.depth and child.separable == parent.separable:
            assert sum(a != b for a, b in zip(child.widths, parent.widths)) == 1
    assert kinds == {"width", "insert", "remove", "switch"}
    with pytest.raises(ValueError, match="not in the search space"):
        search.mutate(search.Architecture((7,)), space, rng)


def test_pareto_front():
    sizes = [10, 20, 30, 15, 40, 10]
    scores = [80, 90, 85, 70, 95, 80]
    # 2 dominated by 1; 3 dominated by 0; 5 duplicates 0
    assert search.pareto_front(sizes, scores) == [0, 1, 4]
    with pytest.raises(ValueError):
        search.pareto_front([1], [1, 2])


def test_evolutionary_search_is_deterministic_and_unique():
    space = search.SearchSpace()

    def evaluate(arch):  # a made-up score that grows with width and prefers depth 2
        return sum(arch.widths) / 10 - abs(arch.depth - 2) + (0.5 if arch.separable else 0.0)

    runs = [search.evolutionary_search(evaluate, space, n_initial=4, n_total=12, seed=3) for _ in range(2)]
    assert [c.arch for c in runs[0]] == [c.arch for c in runs[1]]
    archs = [c.arch for c in runs[0]]
    assert len(archs) == 12 and len(set(archs)) == 12
    assert all(c.parent is None for c in runs[0][:4]) and all(c.parent is not None for c in runs[0][4:])
    for c in runs[0]:
        assert (c.params, c.flops) == search.cnn_cost(c.arch) and c.score == evaluate(c.arch)
    with pytest.raises(ValueError):
        search.evolutionary_search(evaluate, space, n_initial=5, n_total=4)
    mlp_space = search.SearchSpace(depths=(1, 2), widths=(8, 16), separable=(False,))
    found = search.evolutionary_search(evaluate, mlp_space, 2, 6, cost=search.mlp_cost)
    assert all(not c.arch.separable and (c.params, c.flops) == search.mlp_cost(c.arch) for c in found)
    with pytest.raises(ValueError, match="no new architecture"):  # the space holds only 2 + 4 = 6 architectures
        search.evolutionary_search(evaluate, mlp_space, 2, 7, cost=search.mlp_cost)


def test_docstring_cites_existing_keys(root):
    keys = set(parse_bibliography(root / "references.bib").entries)
    cited = re.findall(r":cite:`([^`]+)`", search.__doc__)
    assert cited and set(cited) <= keys
