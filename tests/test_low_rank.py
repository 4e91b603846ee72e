"""Truncated-SVD factorisation of fully connected layers: optimal error, exact at full rank, FLOPs, model surgery."""

from __future__ import annotations

import re

import pytest
import torch
from torch import nn

from compression_survey.bibliography import parse_bibliography
from compression_survey.compression import flops, low_rank
from compression_survey.demos import LeNet300100


def matrix(seed: int, out: int = 30, inp: int = 20) -> torch.Tensor:
    return torch.randn(out, inp, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("rank", [1, 5, 12])
def test_truncation_error_is_the_discarded_singular_values(rank):
    w = matrix(0)
    a, b = low_rank.svd_factors(w, rank)
    assert a.shape == (rank, 20) and b.shape == (30, rank)
    s = torch.linalg.svdvals(w)
    # Eckart–Young: the Frobenius error of the best rank-r approximation is sqrt(sum of the discarded σ_i²).
    assert torch.allclose(torch.linalg.norm(w - b @ a), s[rank:].pow(2).sum().sqrt(), rtol=1e-4)
    assert torch.allclose(torch.linalg.matrix_rank(b @ a), torch.tensor(rank))


def test_full_rank_factorisation_reproduces_the_layer():
    torch.manual_seed(1)
    layer = nn.Linear(20, 30)
    pair = low_rank.factorize_linear(layer, 20)
    x = torch.randn(7, 20)
    assert torch.allclose(pair(x), layer(x), atol=1e-5)
    first, second = pair
    assert first.bias is None and torch.equal(second.bias, layer.bias)
    assert (first.in_features, first.out_features, second.out_features) == (20, 20, 30)


def test_exactly_low_rank_weight_is_recovered_at_its_rank():
    layer = nn.Linear(20, 30, bias=False)
    with torch.no_grad():
        layer.weight.copy_(matrix(2, 30, 3) @ matrix(3, 3, 20))
    pair = low_rank.factorize_linear(layer, 3)
    x = torch.randn(5, 20)
    assert pair[1].bias is None
    assert torch.allclose(pair(x), layer(x), atol=1e-4)


def test_parameters_and_flops_match_the_cost_formula():
    pair = low_rank.factorize_linear(nn.Linear(64, 300), 16)
    params = sum(p.numel() for p in pair.parameters())
    assert params == flops.low_rank_linear_cost(64, 300, 16)[0]


def test_factorize_model_replaces_named_layers_on_a_copy():
    torch.manual_seed(3)
    model = LeNet300100()
    small = low_rank.factorize_model(model, {"fc1": 64, "fc2": 8})
    assert isinstance(model.fc1, nn.Linear) and isinstance(small.fc1, nn.Sequential)
    assert small.fc2[0].out_features == 8 and small.fc3 is not model.fc3
    x = torch.rand(4, 64)
    assert small(x).shape == (4, 10)
    exact = low_rank.factorize_model(model, {"fc1": 64})  # rank 64 = full rank of a 300 × 64 weight
    assert torch.allclose(exact(x), model(x), atol=1e-5)

    nested = nn.Sequential(nn.Sequential(nn.Linear(6, 6)))
    assert isinstance(low_rank.factorize_model(nested, {"0.0": 2})[0][0], nn.Sequential)


def test_energy_retained_is_cumulative_and_ends_at_one():
    w = matrix(4)
    energy = low_rank.energy_retained(w)
    assert energy.shape == (20,) and torch.all(energy[1:] >= energy[:-1])
    assert torch.isclose(energy[-1], torch.tensor(1.0))
    s = torch.linalg.svdvals(w)
    assert torch.isclose(energy[0], s[0] ** 2 / s.pow(2).sum())


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="rank"):
        low_rank.svd_factors(matrix(5), 0)
    with pytest.raises(ValueError, match="rank"):
        low_rank.factorize_linear(nn.Linear(20, 30), 21)
    with pytest.raises(ValueError, match="matrix"):
        low_rank.svd_factors(torch.zeros(2, 3, 4), 1)
    with pytest.raises(ValueError, match="zeros"):
        low_rank.energy_retained(torch.zeros(3, 3))
    with pytest.raises(KeyError):
        low_rank.factorize_model(LeNet300100(), {"fc9": 2})
    with pytest.raises(TypeError):
        low_rank.factorize_model(nn.Sequential(nn.ReLU()), {"0": 2})


def test_module_cites_existing_keys(root):
    keys = set(parse_bibliography(root / "references.bib").entries)
    cited = re.findall(r":cite:`([^`]+)`", low_rank.__doc__)
    assert cited and set(cited) <= keys
