"""Structured filter pruning: L1 ranking, physical channel removal, cost formula, interleaved latency."""

from __future__ import annotations

import re

import pytest
import torch
from torch import nn

from compression_survey.bibliography import parse_bibliography
from compression_survey.compression import structured
from compression_survey.demos import SmallCNN, count_parameters


def test_filter_l1_norms_sum_absolute_weights_per_filter():
    w = torch.zeros(3, 2, 3, 3)
    w[0] = -1.0
    w[2, 1, 0, 0] = 4.0
    assert torch.equal(structured.filter_l1_norms(w), torch.tensor([18.0, 0.0, 4.0]))
    assert torch.equal(structured.filter_l1_norms(torch.tensor([[1.0, -2.0], [0.5, 0.0]])), torch.tensor([3.0, 0.5]))
    with pytest.raises(ValueError, match="dimensions"):
        structured.filter_l1_norms(torch.ones(4))


def test_keep_indices_are_the_largest_in_ascending_order():
    scores = torch.tensor([0.3, 5.0, 0.1, 2.0, 2.0])
    assert structured.keep_indices(scores, 2).tolist() == [1, 3]  # tie 3 vs 4: lower index kept
    assert structured.keep_indices(scores, 5).tolist() == [0, 1, 2, 3, 4]
    for bad in (0, 6):
        with pytest.raises(ValueError, match="n_keep"):
            structured.keep_indices(scores, bad)


def test_n_kept_rounds_and_keeps_at_least_one():
    assert structured.n_kept(64, 0.5) == 32
    assert structured.n_kept(10, 0.01) == 1
    with pytest.raises(ValueError, match="keep_fraction"):
        structured.n_kept(10, 0.0)


def test_sliced_conv_computes_the_kept_channels_of_the_original():
    torch.manual_seed(0)
    conv = nn.Conv2d(6, 8, 3, padding=1)
    out_keep, in_keep = torch.tensor([1, 4, 7]), torch.tensor([0, 2, 5])
    small = structured.slice_conv2d(conv, out_keep, in_keep)
    assert small.weight.shape == (3, 3, 3, 3) and small.padding == (1, 1)
    x = torch.randn(2, 6, 5, 5)
    x_zeroed = torch.zeros_like(x)
    x_zeroed[:, in_keep] = x[:, in_keep]
    torch.testing.assert_close(small(x[:, in_keep]), conv(x_zeroed)[:, out_keep])
    with pytest.raises(ValueError, match="groups"):
        structured.slice_conv2d(nn.Conv2d(4, 4, 3, groups=4))


def test_pruning_with_keep_one_is_an_exact_copy():
    torch.manual_seed(1)
    model = SmallCNN((4, 6, 8)).eval()
    pruned, kept = structured.prune_small_cnn(model, 1.0)
    x = torch.randn(5, 1, 8, 8)
    torch.testing.assert_close(pruned(x), model(x))
    assert [len(k) for k in kept] == [4, 6, 8]


def test_removing_dead_filters_does_not_change_the_output():
    """Filters with all-zero weights and bias output ReLU(0) = 0, so removing them (and their inputs downstream) is exact."""
    torch.manual_seed(2)
    model = SmallCNN((4, 6, 8)).eval()
    with torch.no_grad():
        for conv, dead in ((model.conv1, [0, 3]), (model.conv2, [1, 2, 5]), (model.conv3, [0, 1, 2, 7])):
            conv.weight[dead] = 0.0
            conv.bias[dead] = 0.0
    pruned, kept = structured.prune_small_cnn(model, (0.5, 0.5, 0.5))
    assert [k.tolist() for k in kept] == [[1, 2], [0, 3, 4], [3, 4, 5, 6]]
    x = torch.randn(5, 1, 8, 8)
    torch.testing.assert_close(pruned(x), model(x))
    assert pruned.conv2.weight.shape == (3, 2, 3, 3) and pruned.fc.weight.shape == (10, 4)


def test_pruned_model_is_new_and_the_original_unchanged():
    model = SmallCNN((8, 8, 8))
    before = [p.clone() for p in model.parameters()]
    pruned, _ = structured.prune_small_cnn(model, 0.5)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert isinstance(pruned, SmallCNN) and count_parameters(pruned) < count_parameters(model)
    with pytest.raises(ValueError, match="three"):
        structured.prune_small_cnn(model, (0.5, 0.5))


@pytest.mark.parametrize("channels", [(32, 64, 128), (16, 32, 64), (3, 5, 7)])
def test_cost_formula_matches_the_real_module(channels):
    params, flops = structured.small_cnn_cost(channels)
    assert params == count_parameters(SmallCNN(channels))
    c1, c2, c3 = channels
    assert flops == 2 * (9 * c1 * 64 + 9 * c1 * c2 * 64 + 9 * c2 * c3 * 16 + c3 * 10)


def test_docstring_cites_an_existing_key(root):
    keys = set(parse_bibliography(root / "references.bib").entries)
    cited = re.findall(r":cite:`([^`]+)`", structured.__doc__)
    assert cited and set(cited) <= keys
