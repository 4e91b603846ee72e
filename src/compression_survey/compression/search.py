"""Efficient building blocks and a tiny multi-objective architecture search.

The depthwise separable convolution follows MobileNets :cite:`howard2017mobilenets`:
a standard ``k`` x ``k`` convolution is replaced by a depthwise ``k`` x ``k``
convolution (one filter per input channel) and a 1x1 pointwise convolution.

The search is a miniature of evolutionary multi-objective neural architecture
search in the spirit of LEMONADE :cite:`elsken2019efficient`: it keeps the
Pareto front of (fewer parameters, higher accuracy) over every architecture
evaluated so far, picks a parent from that front, mutates it (change a width,
add or remove a layer, switch the convolution type) and evaluates the child.
The same search runs over CNNs (:class:`SearchCNN`) or multilayer perceptrons
(:class:`SearchMLP`).
Unlike LEMONADE it trains every child from scratch (no network morphisms or
weight inheritance) and picks parents uniformly from the front.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from compression_survey.compression.flops import conv2d_cost, depthwise_separable_cost, linear_cost
from compression_survey.demos import IMAGE_SIZE, NUM_CLASSES


class SeparableConv2d(nn.Module):
    """Depthwise separable convolution (MobileNets): depthwise ``kernel`` x ``kernel`` then pointwise 1x1.

    Input ``(batch, in_channels, H, W)``, output ``(batch, out_channels, H, W)``
    (``padding = kernel // 2``, stride 1).  Both convolutions have a bias.
    No nonlinearity or normalisation between them (MobileNets puts batch
    normalization and ReLU there; this tiny version omits them).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel: int = 3) -> None:
        super().__init__()
        self.depthwise = nn.Conv2d(in_channels, in_channels, kernel, padding=kernel // 2, groups=in_channels)
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(x))


@dataclass(frozen=True)
class Architecture:
    """One point of a search space: the layer widths of a small network for 8×8 digits.

    ``widths``: output channels of each 3×3 convolution of a
    :class:`SearchCNN`, or the hidden widths of a :class:`SearchMLP` (its
    length is the depth).  ``separable`` (CNNs only): whether the
    convolutions after the first are depthwise separable (the first, on a
    single input channel, is always a standard convolution, as in
    MobileNets).  As a CNN, ``Architecture((32, 64, 128))`` has the layout
    and parameter count of ``demos.SmallCNN()``; as an MLP,
    ``Architecture((300, 100))`` is ``demos.LeNet300100()``.  Raises
    :class:`ValueError` for empty or non-positive widths.
    """

    widths: tuple[int, ...]
    separable: bool = False

    def __post_init__(self) -> None:
        if not self.widths or any(w < 1 for w in self.widths):
            raise ValueError(f"widths must be a non-empty tuple of positive ints, got {self.widths}")

    @property
    def depth(self) -> int:
        """Number of convolutions."""
        return len(self.widths)

    def label(self) -> str:
        """Short name, e.g. ``"16-32-64"`` or ``"16-32-64 sep"``."""
        return "-".join(map(str, self.widths)) + (" sep" if self.separable else "")


def _pool_after(index: int, depth: int) -> bool:
    """The 2×2 max-pool follows the second convolution (as in SmallCNN); a depth-1 network has none."""
    return index == 1 and depth >= 2


class SearchCNN(nn.Module):
    """The network an :class:`Architecture` describes.

    Convolutions ``3×3`` (padding 1), each followed by ReLU; a 2×2 max-pool
    after the second; global average pooling; a linear layer to 10 logits.
    Input ``(batch, 1, 8, 8)``, output ``(batch, 10)``.
    """

    def __init__(self, arch: Architecture) -> None:
        super().__init__()
        self.arch = arch
        layers: list[nn.Module] = []
        in_channels = 1
        for index, width in enumerate(arch.widths):
            if arch.separable and index > 0:
                layers.append(SeparableConv2d(in_channels, width))
            else:
                layers.append(nn.Conv2d(in_channels, width, 3, padding=1))
            in_channels = width
        self.convs = nn.ModuleList(layers)
        self.fc = nn.Linear(in_channels, NUM_CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for index, conv in enumerate(self.convs):
            x = F.relu(conv(x))
            if _pool_after(index, len(self.convs)):
                x = F.max_pool2d(x, 2)
        return self.fc(x.mean(dim=(2, 3)))


def cnn_cost(arch: Architecture) -> tuple[int, int]:
    """``(parameters, FLOPs per image)`` of ``SearchCNN(arch)`` by formula (FLOPs = 2 × multiply-accumulates).

    Counts convolutions and the final linear layer; ReLU and pooling are not counted.
    """
    params = flops = 0
    in_channels, size = 1, IMAGE_SIZE
    for index, width in enumerate(arch.widths):
        if arch.separable and index > 0:
            p, f = depthwise_separable_cost(in_channels, width, 3, size, size)
        else:
            p, f = conv2d_cost(in_channels, width, 3, size, size)
        params, flops = params + p, flops + f
        in_channels = width
        if _pool_after(index, arch.depth):
            size //= 2
    p, f = linear_cost(in_channels, NUM_CLASSES)
    return params + p, flops + f


class SearchMLP(nn.Module):
    """The multilayer perceptron an :class:`Architecture` describes: hidden ReLU layers of ``arch.widths``.

    Input ``(batch, 64)`` (or ``(batch, 1, 8, 8)``, flattened), output
    ``(batch, 10)`` logits.  Raises :class:`ValueError` for a separable
    architecture (a CNN-only option).
    """

    def __init__(self, arch: Architecture) -> None:
        super().__init__()
        if arch.separable:
            raise ValueError("an MLP has no separable convolutions")
        self.arch = arch
        sizes = [IMAGE_SIZE * IMAGE_SIZE, *arch.widths]
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.out = nn.Linear(sizes[-1], NUM_CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(1)
        for layer in self.hidden:
            x = F.relu(layer(x))
        return self.out(x)


def mlp_cost(arch: Architecture) -> tuple[int, int]:
    """``(parameters, FLOPs per image)`` of ``SearchMLP(arch)`` by formula (FLOPs = 2 × multiply-accumulates)."""
    sizes = [IMAGE_SIZE * IMAGE_SIZE, *arch.widths, NUM_CLASSES]
    costs = [linear_cost(a, b) for a, b in zip(sizes, sizes[1:])]
    return sum(p for p, _ in costs), sum(f for _, f in costs)


@dataclass(frozen=True)
class SearchSpace:
    """Allowed depths, per-layer widths and convolution types."""

    depths: tuple[int, ...] = (1, 2, 3)
    widths: tuple[int, ...] = (8, 16, 32, 64, 128)
    separable: tuple[bool, ...] = (False, True)

    def contains(self, arch: Architecture) -> bool:
        """Whether ``arch`` lies in this space."""
        return (arch.depth in self.depths and all(w in self.widths for w in arch.widths)
                and arch.separable in self.separable)


def random_architecture(space: SearchSpace, rng: random.Random) -> Architecture:
    """An architecture drawn uniformly: depth, then each width, then the convolution type."""
    depth = rng.choice(space.depths)
    return Architecture(tuple(rng.choice(space.widths) for _ in range(depth)), rng.choice(space.separable))


def mutate(arch: Architecture, space: SearchSpace, rng: random.Random) -> Architecture:
    """A different architecture in ``space`` one edit away from ``arch``.

    The edit is drawn uniformly from those possible: change one layer's width
    to another allowed width, insert a layer (with a width copied from a
    neighbour), remove a layer, or switch between standard and separable
    convolutions.  Raises :class:`ValueError` if ``arch`` is not in ``space``
    or no edit is possible.
    """
    if not space.contains(arch):
        raise ValueError(f"{arch} is not in the search space")
    widths = list(arch.widths)
    candidates: list[Architecture] = []
    for i, w in enumerate(widths):
        candidates += [Architecture(tuple(widths[:i] + [v] + widths[i + 1:]), arch.separable)
                       for v in space.widths if v != w]
    if arch.depth + 1 in space.depths:
        candidates += [Architecture(tuple(widths[:i] + [widths[min(i, arch.depth - 1)]] + widths[i:]), arch.separable)
                       for i in range(arch.depth + 1)]
    if arch.depth - 1 in space.depths:
        candidates += [Architecture(tuple(widths[:i] + widths[i + 1:]), arch.separable) for i in range(arch.depth)]
    candidates += [Architecture(arch.widths, s) for s in space.separable if s != arch.separable]
    if not candidates:
        raise ValueError(f"no mutation of {arch} stays in the search space")
    kinds = sorted({_edit_kind(arch, c) for c in candidates})
    kind = rng.choice(kinds)
    return rng.choice([c for c in candidates if _edit_kind(arch, c) == kind])


def _edit_kind(parent: Architecture, child: Architecture) -> str:
    if child.separable != parent.separable:
        return "switch"
    if child.depth > parent.depth:
        return "insert"
    if child.depth < parent.depth:
        return "remove"
    return "width"


def pareto_front(sizes: Sequence[float], scores: Sequence[float]) -> list[int]:
    """Indices of the points not dominated in (smaller ``size``, higher ``score``), sorted by size.

    Point ``i`` is dominated if some ``j`` has ``size[j] <= size[i]`` and
    ``score[j] >= score[i]`` with at least one strict; of exact duplicates
    the first is kept.  Raises :class:`ValueError` if the lengths differ.
    """
    if len(sizes) != len(scores):
        raise ValueError(f"{len(sizes)} sizes but {len(scores)} scores")
    front = []
    for i in range(len(sizes)):
        dominated = False
        for j in range(len(sizes)):
            no_worse = sizes[j] <= sizes[i] and scores[j] >= scores[i]
            better = sizes[j] < sizes[i] or scores[j] > scores[i]
            if j != i and no_worse and (better or j < i):
                dominated = True
                break
        if not dominated:
            front.append(i)
    return sorted(front, key=lambda i: (sizes[i], -scores[i]))


@dataclass(frozen=True)
class Candidate:
    """One evaluated architecture: its cost by formula (parameters, FLOPs per image), its score, its parent."""

    arch: Architecture
    params: int
    flops: int
    score: float
    parent: Architecture | None  # None for the random initial population


def evolutionary_search(evaluate: Callable[[Architecture], float], space: SearchSpace, n_initial: int,
                        n_total: int, cost: Callable[[Architecture], tuple[int, int]] = cnn_cost,
                        seed: int = 0, max_tries: int = 100) -> list[Candidate]:
    """Multi-objective evolution: ``n_initial`` random architectures, then children of Pareto-front parents.

    ``evaluate(arch)`` returns the score to maximise (e.g. validation
    accuracy in %); the size to minimise is the parameter count given by
    ``cost(arch)`` (:func:`cnn_cost` or :func:`mlp_cost`).  Each step after the initial population
    picks a parent uniformly from the current Pareto front and evaluates a
    mutation of it that has not been evaluated yet (a new parent and
    mutation are drawn, up to ``max_tries`` times, until one is new).
    Every architecture is evaluated once.  Returns all ``n_total``
    candidates in evaluation order.  Deterministic for a given ``seed`` if
    ``evaluate`` is.  Raises :class:`ValueError` unless
    ``1 <= n_initial <= n_total``, or if no new architecture is found.
    """
    if not 1 <= n_initial <= n_total:
        raise ValueError(f"need 1 <= n_initial <= n_total, got {n_initial} and {n_total}")
    rng = random.Random(seed)
    history: list[Candidate] = []
    seen: set[Architecture] = set()

    def add(arch: Architecture, parent: Architecture | None) -> None:
        params, flops = cost(arch)
        history.append(Candidate(arch, params, flops, float(evaluate(arch)), parent))
        seen.add(arch)

    def draw(make: Callable[[], tuple[Architecture, Architecture | None]]) -> None:
        for _ in range(max_tries):
            arch, parent = make()
            if arch not in seen:
                add(arch, parent)
                return
        raise ValueError(f"no new architecture found in {max_tries} draws")

    def child() -> tuple[Architecture, Architecture]:
        parent = history[rng.choice(front)].arch
        return mutate(parent, space, rng), parent

    while len(history) < n_initial:
        draw(lambda: (random_architecture(space, rng), None))
    while len(history) < n_total:
        front = pareto_front([c.params for c in history], [c.score for c in history])
        draw(child)
    return history
