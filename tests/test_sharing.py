"""k-means weight sharing (Deep Compression's second stage): initialisation, clustering, trained centroids."""

from __future__ import annotations

import re

import pytest
import torch
from torch import nn

from compression_survey.bibliography import parse_bibliography
from compression_survey.compression import sharing


def test_linear_initialisation_spans_the_range():
    values = torch.tensor([-1.0, -0.2, 0.1, 3.0])
    assert torch.allclose(sharing.init_centroids(values, 5), torch.tensor([-1.0, 0.0, 1.0, 2.0, 3.0]))


def test_density_initialisation_uses_quantiles_and_random_is_seeded():
    values = torch.arange(101, dtype=torch.float32)
    assert torch.allclose(sharing.init_centroids(values, 3, "density"), torch.tensor([0.0, 50.0, 100.0]))
    a = sharing.init_centroids(values, 4, "random", seed=3)
    assert torch.equal(a, sharing.init_centroids(values, 4, "random", seed=3))
    assert torch.equal(a, a.sort().values) and len(set(a.tolist())) == 4


@pytest.mark.parametrize("k, method, match", [(0, "linear", "k must"), (2, "nope", "unknown"), (9, "random", "at least")])
def test_bad_initialisation_arguments_are_rejected(k, method, match):
    with pytest.raises(ValueError, match=match):
        sharing.init_centroids(torch.arange(8.0), k, method)


def test_kmeans_finds_well_separated_clusters_and_is_deterministic():
    generator = torch.Generator().manual_seed(0)
    centres = torch.tensor([-2.0, 0.5, 3.0])
    values = (centres[torch.arange(300) % 3] + 0.05 * torch.randn(300, generator=generator)).reshape(30, 10)
    codebook, indices = sharing.kmeans_1d(values, 3)
    assert indices.shape == values.shape and indices.dtype == torch.int64
    assert torch.allclose(codebook, centres, atol=0.05)
    again = sharing.kmeans_1d(values, 3)
    assert torch.equal(again[0], codebook) and torch.equal(again[1], indices)


def test_kmeans_centroids_are_the_means_of_their_clusters():
    torch.manual_seed(1)
    values = torch.randn(500)
    codebook, indices = sharing.kmeans_1d(values, 8)
    for j in range(8):
        members = values[indices == j]
        if len(members):
            assert codebook[j] == pytest.approx(float(members.mean()), abs=1e-5)
    assert torch.equal(indices, sharing.assign(values, codebook))


def test_kmeans_error_falls_with_more_centroids():
    torch.manual_seed(2)
    values = torch.randn(1000)
    errors = []
    for k in (2, 4, 16):
        codebook, indices = sharing.kmeans_1d(values, k)
        errors.append(float((codebook[indices] - values).pow(2).mean()))
    assert errors[0] > errors[1] > errors[2]


def _pruned_linear() -> nn.Linear:
    torch.manual_seed(3)
    layer = nn.Linear(20, 6)
    with torch.no_grad():
        layer.weight[layer.weight.abs() < 0.1] = 0.0
    return layer


def test_shared_linear_keeps_pruned_weights_at_zero_and_uses_k_values():
    layer = _pruned_linear()
    shared = sharing.SharedLinear.from_linear(layer, 4)
    pruned = layer.weight == 0
    assert torch.equal(shared.indices < 0, pruned)
    assert torch.all(shared.weight[pruned] == 0)
    assert set(shared.weight[~pruned].tolist()) <= set(shared.codebook.tolist())
    x = torch.randn(5, 20)
    assert shared(x).shape == (5, 6)
    assert torch.allclose(shared(x), x @ shared.weight.T + layer.bias)


def test_centroid_gradient_is_the_sum_of_the_shared_weights_gradients():
    layer = _pruned_linear()
    shared = sharing.SharedLinear.from_linear(layer, 4)
    dense = shared.weight.detach().clone().requires_grad_(True)
    x = torch.randn(7, 20)
    (x @ dense.T).pow(2).sum().backward()
    shared(x).sub(shared.bias).pow(2).sum().backward()
    for j in range(4):
        expected = dense.grad[shared.indices == j].sum()
        assert shared.codebook.grad[j] == pytest.approx(float(expected), rel=1e-4, abs=1e-5)


def test_shared_linear_rejects_bad_indices():
    with pytest.raises(ValueError, match="indices"):
        sharing.SharedLinear(torch.zeros(2), torch.tensor([[0, 2]]), None)
    with pytest.raises(ValueError, match="2-D"):
        sharing.SharedLinear(torch.zeros(2), torch.tensor([0, 1]), None)


def test_share_weights_replaces_linear_children():
    model = nn.Sequential()
    model.add_module("a", _pruned_linear())
    model.add_module("b", nn.Linear(6, 3))
    sharing.share_weights(model, {"a": 2})
    assert isinstance(model.a, sharing.SharedLinear) and model.a.codebook.numel() == 4
    assert isinstance(model.b, nn.Linear)
    sharing.share_weights(model, 1)
    assert isinstance(model.b, sharing.SharedLinear) and model.b.codebook.numel() == 2
    with pytest.raises(ValueError, match="bits"):
        sharing.share_weights(nn.Sequential(nn.Linear(3, 3)), 0)


def test_docstring_cites_an_existing_key(root):
    keys = set(parse_bibliography(root / "references.bib").entries)
    cited = re.findall(r":cite:`([^`]+)`", sharing.__doc__)
    assert cited and set(cited) <= keys
