"""Lottery tickets (frankle2019lottery): masks, rewinding to the initialisation, nested masks, the random re-initialisation control."""

from __future__ import annotations

import re

import pytest
import torch

from compression_survey.bibliography import parse_bibliography
from compression_survey.compression import lottery
from compression_survey.compression.pruning import linear_layers


def _mlp(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(16, 40), torch.nn.ReLU(), torch.nn.Linear(40, 4))


def _data():
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(128, 16, generator=generator)
    return x, (x[:, :4]).argmax(dim=1)


def _sgd_train(model, after_step, steps=20):
    x, y = _data()
    optimiser = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(steps):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        after_step(model)


def test_apply_masks_zeroes_pruned_weights_and_checks_shapes():
    model = _mlp()
    mask = torch.rand(40, 16) > 0.5
    lottery.apply_masks(model, {"0": mask})
    assert torch.all(model[0].weight[~mask] == 0) and torch.all(model[0].weight[mask] != 0)
    with pytest.raises(ValueError, match="shape"):
        lottery.apply_masks(model, {"2": torch.ones(3, 3, dtype=torch.bool)})


def test_masks_sparsity_and_schedule():
    masks = {"a": torch.tensor([True, False, False, False]), "b": torch.ones(4, dtype=torch.bool)}
    assert lottery.masks_sparsity(masks) == 3 / 8
    assert lottery.layer_sparsity_after(2, 0.5) == 0.75
    assert lottery.layer_sparsity_after(0, 0.2) == 0.0
    with pytest.raises(ValueError, match="rate"):
        lottery.layer_sparsity_after(1, 1.0)


def test_train_masked_keeps_pruned_weights_at_zero():
    model = _mlp(1)
    masks = {name: torch.rand_like(m.weight) > 0.7 for name, m in linear_layers(model)}
    lottery.train_masked(model, masks, _sgd_train)
    for name, module in linear_layers(model):
        assert torch.all(module.weight[~masks[name]] == 0)


def test_find_tickets_rewinds_to_the_initial_weights_and_nests_the_masks():
    model = _mlp(2)
    initial = {name: m.weight.detach().clone() for name, m in linear_layers(model)}
    starts = []

    def train_fn(m, after_step):
        starts.append({name: mod.weight.detach().clone() for name, mod in linear_layers(m)})
        _sgd_train(m, after_step)

    tickets = lottery.find_tickets(model, train_fn, lambda m: 90.0, rounds=3, rate=0.5)
    assert [t.round for t in tickets] == [0, 1, 2, 3]
    for ticket, start in zip(tickets, starts):
        for name in initial:  # each round starts from the initial weights, masked
            assert torch.equal(start[name], initial[name] * ticket.masks[name])
    for earlier, later in zip(tickets, tickets[1:]):
        for name in initial:
            assert torch.all(later.masks[name] <= earlier.masks[name])
    # hidden layer at rate 0.5, output layer at half the rate (0.25) per round
    last = tickets[-1].masks
    assert int((~last["0"]).sum()) == round(0.875 * 640)
    assert int((~last["2"]).sum()) == round(lottery.layer_sparsity_after(3, 0.25) * 160)
    assert tickets[-1].sparsity == pytest.approx(lottery.masks_sparsity(last))
    assert tickets[0].sparsity == 0.0 and tickets[-1].accuracy == 90.0


def test_find_tickets_rejects_bad_arguments():
    with pytest.raises(ValueError, match="rounds"):
        lottery.find_tickets(_mlp(), _sgd_train, lambda m: 0.0, rounds=-1)
    with pytest.raises(ValueError, match="rate"):
        lottery.find_tickets(_mlp(), _sgd_train, lambda m: 0.0, rounds=1, rate=1.5)


def test_docstring_cites_an_existing_key(root):
    keys = set(parse_bibliography(root / "references.bib").entries)
    cited = re.findall(r":cite:`([^`]+)`", lottery.__doc__)
    assert cited and set(cited) <= keys
