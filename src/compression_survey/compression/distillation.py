"""Knowledge distillation with temperature-softened teacher outputs.

Follows :cite:`hinton2014distilling`: a small *student* is trained on a
weighted sum of the usual cross-entropy with the true labels and the
Kullback–Leibler divergence between the teacher's and the student's
class probabilities, both softened by a temperature ``T`` (``softmax(z / T)``).
The soft term is multiplied by ``T²`` so that its gradient keeps the same
scale when ``T`` changes (the gradient of the unscaled term shrinks as ``1/T²``).
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn
from torch.nn import functional as F


def soft_targets(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """Class probabilities ``softmax(logits / temperature)`` over the last dimension.

    ``logits``: shape ``(batch, classes)``; returns the same shape, rows
    summing to 1.  ``temperature`` = 1 gives the ordinary softmax; larger
    values give softer (flatter) distributions.  Raises :class:`ValueError`
    unless ``temperature`` > 0.
    """
    _check_temperature(temperature)
    return F.softmax(logits / temperature, dim=-1)


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    temperature: float = 4.0,
    alpha: float = 0.9,
) -> torch.Tensor:
    """``(1 − alpha) · CE(labels, student) + alpha · T² · KL(softmax(teacher/T) ‖ softmax(student/T))``.

    ``student_logits`` and ``teacher_logits``: float, shape ``(batch, classes)``;
    ``labels``: int64 class indices, shape ``(batch,)``.  Both terms are
    averaged over the batch; returns a scalar tensor.  No gradient flows
    into ``teacher_logits`` (they are detached).  ``alpha`` = 0 is plain
    cross-entropy training, ``alpha`` = 1 uses the soft targets only.
    Raises :class:`ValueError` if ``temperature`` ≤ 0, ``alpha`` is outside
    [0, 1], or the logits differ in shape.
    """
    _check_temperature(temperature)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    if student_logits.shape != teacher_logits.shape:
        raise ValueError(
            f"student logits {tuple(student_logits.shape)} and teacher logits "
            f"{tuple(teacher_logits.shape)} differ in shape"
        )
    hard = F.cross_entropy(student_logits, labels)
    soft = F.kl_div(
        F.log_softmax(student_logits / temperature, dim=-1),
        F.log_softmax(teacher_logits.detach() / temperature, dim=-1),
        reduction="batchmean",
        log_target=True,
    )
    return (1.0 - alpha) * hard + alpha * temperature**2 * soft


def distiller(
    teacher: nn.Module, temperature: float = 4.0, alpha: float = 0.9
) -> Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]:
    """A ``loss_fn(student_logits, labels, x)`` for :func:`compression_survey.demos.train`.

    The teacher is put in evaluation mode and run on each mini-batch ``x``
    without gradients; the loss is :func:`distillation_loss`.  Raises
    :class:`ValueError` for a bad ``temperature`` or ``alpha``.
    """
    _check_temperature(temperature)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    teacher.eval()

    def loss_fn(student_logits: torch.Tensor, labels: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            teacher_logits = teacher(x)
        return distillation_loss(student_logits, teacher_logits, labels, temperature, alpha)

    return loss_fn


def _check_temperature(temperature: float) -> None:
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
