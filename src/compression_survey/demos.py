"""Shared pieces of the demonstration notebooks: data, models, training, measurement.

Every demonstration runs on the CPU with scikit-learn's bundled *digits*
data set (1,797 greyscale 8×8 images of the digits 0–9, shipped inside
scikit-learn, so nothing is downloaded).  Everything here is deterministic
for a given seed: :func:`setup_torch` fixes the seeds, one CPU thread and
deterministic algorithms, and every data order comes from a seeded
:class:`torch.Generator`.
"""

from __future__ import annotations

import io
import random
import statistics
import time
from dataclasses import dataclass
from collections.abc import Sequence
from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

#: Number of classes of the digits data set.
NUM_CLASSES = 10
#: Pixels of one digits image (8×8).
IMAGE_SIZE = 8


def setup_torch(seed: int = 0) -> None:
    """Fix every random seed (Python, NumPy, PyTorch), use one CPU thread and deterministic kernels.

    One thread makes both the numbers and the latency measurements repeatable
    on a shared 2-core machine.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)


@dataclass(frozen=True)
class DigitsSplit:
    """The digits data set split into a training and a test set.

    ``x_train``: float32, shape ``(n_train, 64)`` or ``(n_train, 1, 8, 8)``,
    pixel intensities scaled from 0–16 to 0–1; ``y_train``: int64 labels
    0–9, shape ``(n_train,)``; the same for the test set.
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


def load_digits_split(test_fraction: float = 0.3, seed: int = 0, images: bool = False) -> DigitsSplit:
    """Load scikit-learn's bundled digits and split them, stratified by class.

    ``test_fraction`` of the 1,797 images (default 30 %, i.e. 540) form the
    test set.  ``images=True`` returns tensors of shape ``(n, 1, 8, 8)`` for
    convolutional networks, otherwise ``(n, 64)``.  Raises ``ValueError``
    if ``test_fraction`` is not strictly between 0 and 1.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_fraction, random_state=seed, stratify=y
    )
    shape = (-1, 1, IMAGE_SIZE, IMAGE_SIZE) if images else (-1, IMAGE_SIZE * IMAGE_SIZE)
    return DigitsSplit(
        torch.from_numpy(x_train).reshape(shape),
        torch.from_numpy(y_train),
        torch.from_numpy(x_test).reshape(shape),
        torch.from_numpy(y_test),
    )


class LeNet300100(nn.Module):
    """The LeNet-300-100 fully connected network (LeCun et al. 1998; used by han2015learning).

    Input ``(batch, 64)`` (a flattened 8×8 digit instead of MNIST's 28×28),
    hidden layers of 300 and 100 ReLU units, output ``(batch, 10)`` logits.
    ``hidden`` changes the two hidden widths (e.g. for a small student).
    """

    def __init__(self, hidden: tuple[int, int] = (300, 100), in_features: int = 64) -> None:
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden[0])
        self.fc2 = nn.Linear(hidden[0], hidden[1])
        self.fc3 = nn.Linear(hidden[1], NUM_CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class SmallCNN(nn.Module):
    """A small VGG-style CNN for 8×8 digits.

    ``conv1`` (3×3, ``channels[0]`` filters) → ReLU → ``conv2`` (3×3,
    ``channels[1]``) → ReLU → 2×2 max-pool → ``conv3`` (3×3, ``channels[2]``)
    → ReLU → global average pool → ``fc`` (10 logits).  Input
    ``(batch, 1, 8, 8)``, output ``(batch, 10)``.  Padding keeps 8×8 until
    the pool, 4×4 after.
    """

    def __init__(self, channels: tuple[int, int, int] = (32, 64, 128)) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels[0], 3, padding=1)
        self.conv2 = nn.Conv2d(channels[0], channels[1], 3, padding=1)
        self.conv3 = nn.Conv2d(channels[1], channels[2], 3, padding=1)
        self.fc = nn.Linear(channels[2], NUM_CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.conv3(x))
        return self.fc(x.mean(dim=(2, 3)))


LossFn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def train(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    epochs: int,
    lr: float = 1e-3,
    batch_size: int = 64,
    seed: int = 0,
    loss_fn: LossFn | None = None,
    weight_decay: float = 0.0,
    after_step: Callable[[nn.Module], None] | None = None,
) -> nn.Module:
    """Train ``model`` in place with Adam on ``(x, y)`` for ``epochs`` passes; returns it.

    Mini-batches of ``batch_size`` are drawn in an order fixed by ``seed``.
    ``loss_fn(logits, y, x)`` replaces cross-entropy (e.g. a distillation
    loss); ``after_step(model)`` runs after each optimiser step (e.g. to
    re-apply a pruning mask).  Raises ``ValueError`` if ``x`` and ``y``
    differ in length or ``epochs`` is negative.
    """
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} rows but y has {len(y)}")
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    generator = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), batch_size):
            batch = order[start : start + batch_size]
            logits = model(x[batch])
            loss = loss_fn(logits, y[batch], x[batch]) if loss_fn else F.cross_entropy(logits, y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            if after_step is not None:
                after_step(model)
    model.eval()
    return model


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Top-1 accuracy of ``model`` on ``(x, y)`` in percent (0–100)."""
    model.eval()
    return float((model(x).argmax(dim=1) == y).float().mean() * 100.0)


def latency_seconds(model: nn.Module, x: torch.Tensor, repeats: int = 50, warmup: int = 5) -> float:
    """Median wall-clock time in seconds of one forward pass of ``model`` on the batch ``x``.

    The one-model case of :func:`interleaved_latencies` (same warm-up,
    timing and errors).
    """
    return interleaved_latencies([model], x, repeats=repeats, warmup=warmup)[0]


@torch.no_grad()
def interleaved_latencies(models: Sequence[nn.Module], x: torch.Tensor, repeats: int = 30,
                          warmup: int = 3) -> list[float]:
    """Median forward-pass time in seconds of each model on the batch ``x``, measured in alternation.

    Each of ``repeats`` rounds times one forward pass of every model in turn
    (``time.perf_counter``), after ``warmup`` untimed rounds, so a change of
    machine load during the measurement affects all models alike and their
    ratios stay stable.  Uses the current number of threads.  Raises
    :class:`ValueError` if ``repeats`` < 1 or no models are given.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    if not models:
        raise ValueError("need at least one model")
    for model in models:
        model.eval()
    for _ in range(warmup):
        for model in models:
            model(x)
    times: list[list[float]] = [[] for _ in models]
    for _ in range(repeats):
        for index, model in enumerate(models):
            start = time.perf_counter()
            model(x)
            times[index].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def serialized_size_bytes(model: nn.Module) -> int:
    """Size in bytes of ``model.state_dict()`` saved with ``torch.save`` (the file a user would ship)."""
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getbuffer().nbytes


def count_parameters(model: nn.Module, nonzero: bool = False) -> int:
    """Number of parameters of ``model`` (all, or only the non-zero ones with ``nonzero=True``).

    Counts effective weights: for a module pruned with ``torch.nn.utils.prune``
    the masked ``weight`` is counted, not ``weight_orig`` and the mask.
    """
    total = 0
    for module in model.modules():
        for name, param in module.named_parameters(recurse=False):
            if name.endswith("_orig"):
                param = getattr(module, name[: -len("_orig")])
            total += int(torch.count_nonzero(param)) if nonzero else param.numel()
    return total


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (n − 1) of ``values``; raises ``ValueError`` for fewer than 2."""
    if len(values) < 2:
        raise ValueError("need at least two values for a standard deviation")
    return statistics.fmean(values), statistics.stdev(values)
