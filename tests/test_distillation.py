"""Knowledge distillation loss (hinton2014distilling): its limits, its gradient and its use as a training loss."""

from __future__ import annotations

import re

import pytest
import torch
from torch.nn import functional as F

from compression_survey.bibliography import parse_bibliography
from compression_survey.compression import distillation
from compression_survey.demos import LeNet300100, train


def logits(seed: int, shape=(8, 10)) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed)) * 3.0


def test_soft_targets_are_probabilities_and_soften_with_temperature():
    z = logits(0)
    sharp, soft = distillation.soft_targets(z, 1.0), distillation.soft_targets(z, 8.0)
    assert torch.allclose(sharp, F.softmax(z, dim=1))
    assert torch.allclose(soft.sum(dim=1), torch.ones(8))
    entropy = lambda p: -(p * p.log()).sum(dim=1)  # noqa: E731
    assert torch.all(entropy(soft) > entropy(sharp))


def test_alpha_zero_is_cross_entropy_and_soft_term_vanishes_on_equal_logits():
    z, t, y = logits(1), logits(2), torch.arange(8) % 10
    assert torch.allclose(distillation.distillation_loss(z, t, y, 4.0, alpha=0.0), F.cross_entropy(z, y))
    assert distillation.distillation_loss(z, z, y, 4.0, alpha=1.0).abs() < 1e-6
    assert distillation.distillation_loss(z, t, y, 4.0, alpha=1.0) > 0


@pytest.mark.parametrize("temperature", [1.0, 2.0, 5.0])
def test_soft_gradient_is_temperature_times_probability_difference(temperature):
    # d/dz [T² · KL(p_teacher ‖ p_student)] = T · (softmax(z/T) − softmax(v/T)) per example (Hinton et al., eq. 2 times T²).
    z, v, y = logits(3).requires_grad_(), logits(4), torch.zeros(8, dtype=torch.long)
    distillation.distillation_loss(z, v, y, temperature, alpha=1.0).backward()
    expected = temperature * (F.softmax(z.detach() / temperature, 1) - F.softmax(v / temperature, 1)) / len(z)
    assert torch.allclose(z.grad, expected, atol=1e-6)


def test_high_temperature_limit_matches_logits():
    # For large T and zero-mean logits the scaled gradient tends to (z − v) / (classes · batch): logit matching.
    z, v = logits(5), logits(6)
    z, v = (z - z.mean(1, keepdim=True)).requires_grad_(), v - v.mean(1, keepdim=True)
    distillation.distillation_loss(z, v, torch.zeros(8, dtype=torch.long), 1000.0, alpha=1.0).backward()
    assert torch.allclose(z.grad, (z.detach() - v) / (10 * 8), atol=1e-3)  # the error shrinks as 1/T


def test_no_gradient_reaches_the_teacher():
    z, v = logits(7).requires_grad_(), logits(8).requires_grad_()
    distillation.distillation_loss(z, v, torch.zeros(8, dtype=torch.long)).backward()
    assert v.grad is None and z.grad is not None


def test_bad_arguments_are_rejected():
    z, y = logits(9), torch.zeros(8, dtype=torch.long)
    with pytest.raises(ValueError):
        distillation.distillation_loss(z, z, y, temperature=0.0)
    with pytest.raises(ValueError):
        distillation.distillation_loss(z, z, y, alpha=1.5)
    with pytest.raises(ValueError):
        distillation.distillation_loss(z, logits(9, (8, 5)), y)
    with pytest.raises(ValueError):
        distillation.soft_targets(z, -1.0)
    with pytest.raises(ValueError):
        distillation.distiller(LeNet300100(), temperature=-2.0)


def test_training_with_the_distiller_moves_the_student_towards_its_teacher():
    torch.manual_seed(0)
    x = torch.rand(256, 64)
    teacher, student = LeNet300100(hidden=(32, 16)), LeNet300100(hidden=(16, 8))
    teacher_logits = teacher(x).detach()
    labels = teacher_logits.argmax(1)

    def soft_loss() -> float:
        with torch.no_grad():
            return float(distillation.distillation_loss(student(x), teacher_logits, labels, 4.0, alpha=1.0))

    before = soft_loss()
    train(student, x, labels, epochs=20, lr=3e-3, loss_fn=distillation.distiller(teacher, 4.0, alpha=1.0))
    assert soft_loss() < 0.5 * before
    assert not teacher.training


def test_module_cites_an_existing_key(root):
    keys = set(parse_bibliography(root / "references.bib").entries)
    cited = re.findall(r":cite:`([^`]+)`", distillation.__doc__)
    assert cited and set(cited) <= keys
