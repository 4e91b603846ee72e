"""k-means weight sharing with trained centroids, the second stage of Deep Compression :cite:`han2016deep`.

The surviving (non-pruned) weights of a layer are clustered with 1-D
k-means; each weight is then stored as the index of its cluster (``log2 k``
bits) and the layer keeps one small codebook of ``k`` float32 centroids.
The centroids are initialised linearly between the smallest and the
largest weight, the initialisation the paper found best, so the result is
deterministic; the paper's two alternatives (random "Forgy" and
density-based) are available too, the random one seeded.  Fine-tuning the
centroids sums the gradients of all the weights that share a centroid.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

#: Centroid initialisations of :cite:`han2016deep`.
INITIALISATIONS = ("linear", "density", "random")


def init_centroids(values: torch.Tensor, k: int, method: str = "linear", seed: int = 0) -> torch.Tensor:
    """``k`` initial centroids (float32, shape ``(k,)``, ascending) for the 1-D data ``values``.

    ``"linear"``: equally spaced between ``values.min()`` and ``values.max()``;
    ``"density"``: equally spaced quantiles (equally spaced on the y axis of
    the cumulative distribution); ``"random"``: ``k`` values drawn without
    replacement with a :class:`torch.Generator` seeded with ``seed`` (Forgy).
    Raises :class:`ValueError` for an unknown method, ``k < 1``, no values,
    or (``"random"``) fewer than ``k`` values.
    """
    values = values.detach().flatten().to(torch.float32)
    if method not in INITIALISATIONS:
        raise ValueError(f"unknown initialisation {method!r}; choose one of {INITIALISATIONS}")
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if values.numel() == 0 or (method == "random" and values.numel() < k):
        raise ValueError(f"need at least {k if method == 'random' else 1} values, got {values.numel()}")
    if method == "linear":
        return torch.linspace(float(values.min()), float(values.max()), k)
    if method == "density":
        return torch.quantile(values, torch.linspace(0.0, 1.0, k))
    generator = torch.Generator().manual_seed(seed)
    return values[torch.randperm(values.numel(), generator=generator)[:k]].sort().values


def assign(values: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    """Index (int64, same shape as ``values``) of the nearest centroid of each value; ties go to the lower index."""
    distances = (values.detach().reshape(-1, 1) - codebook.detach().reshape(1, -1)).abs()
    return distances.argmin(dim=1).reshape(values.shape)


def kmeans_1d(values: torch.Tensor, k: int, init: str = "linear", iterations: int = 100,
              seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Lloyd's k-means on scalars: returns ``(codebook, indices)``.

    ``codebook``: float32, shape ``(k,)``; ``indices``: int64, same shape as
    ``values``, each the index of the nearest centroid.  Starts from
    :func:`init_centroids` (``init``, ``seed``) and alternates assignment
    and mean updates until the assignment stops changing or ``iterations``
    updates were made; a centroid that loses all its values keeps its
    position.  Deterministic for a given ``seed``.  Errors as
    :func:`init_centroids`.
    """
    flat = values.detach().flatten().to(torch.float32)
    codebook = init_centroids(flat, k, init, seed)
    indices = assign(flat, codebook)
    for _ in range(iterations):
        sums = torch.zeros(k).index_add_(0, indices, flat)
        counts = torch.bincount(indices, minlength=k).to(torch.float32)
        codebook = torch.where(counts > 0, sums / counts.clamp(min=1.0), codebook)
        new_indices = assign(flat, codebook)
        if torch.equal(new_indices, indices):
            break
        indices = new_indices
    return codebook, indices.reshape(values.shape)


class SharedLinear(nn.Module):
    """A fully connected layer whose weights are entries of a trainable codebook.

    ``codebook``: float32 :class:`~torch.nn.Parameter` of shape ``(k,)``;
    ``indices``: int64 buffer of shape ``(out_features, in_features)``, the
    centroid of each weight, or ``-1`` for a pruned (zero) weight;
    ``bias``: float32 parameter of shape ``(out_features,)`` or ``None``.
    The gradient of a centroid is the sum of the gradients of the weights
    that share it :cite:`han2016deep`.  Input ``(batch, in_features)``,
    output ``(batch, out_features)``.
    """

    def __init__(self, codebook: torch.Tensor, indices: torch.Tensor, bias: torch.Tensor | None) -> None:
        super().__init__()
        if indices.dim() != 2:
            raise ValueError(f"indices must be 2-D (out_features, in_features), got shape {tuple(indices.shape)}")
        if int(indices.max()) >= codebook.numel() or int(indices.min()) < -1:
            raise ValueError(f"indices must lie in [-1, {codebook.numel() - 1}]")
        self.codebook = nn.Parameter(codebook.detach().clone().to(torch.float32))
        self.register_buffer("indices", indices.detach().clone().to(torch.int64))
        self.bias = None if bias is None else nn.Parameter(bias.detach().clone())

    @classmethod
    def from_linear(cls, linear: nn.Linear, k: int, init: str = "linear", seed: int = 0) -> "SharedLinear":
        """Cluster the non-zero weights of ``linear`` into ``k`` shared values; zero weights stay pruned."""
        weight = linear.weight.detach()
        kept = weight != 0
        codebook, kept_indices = kmeans_1d(weight[kept], k, init, seed=seed)
        indices = torch.full(weight.shape, -1, dtype=torch.int64)
        indices[kept] = kept_indices
        return cls(codebook, indices, linear.bias)

    @property
    def weight(self) -> torch.Tensor:
        """The dense weight, shape ``(out_features, in_features)``: ``codebook[index]``, 0 where pruned."""
        pruned = self.indices < 0
        return self.codebook[self.indices.clamp(min=0)].masked_fill(pruned, 0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        out_features, in_features = self.indices.shape
        return f"in_features={in_features}, out_features={out_features}, k={self.codebook.numel()}"


def share_weights(model: nn.Module, bits: int | dict[str, int], init: str = "linear", seed: int = 0) -> nn.Module:
    """Replace, in place, every :class:`~torch.nn.Linear` child of ``model`` by a :class:`SharedLinear` with ``2**bits`` centroids.

    ``bits``: one bit-width for all layers or ``{child name: bits}`` (layers
    not named are left alone).  Returns ``model``.  Raises
    :class:`ValueError` if ``bits`` < 1 or a layer has fewer non-zero
    weights than centroids.
    """
    for name, child in list(model.named_children()):
        if not isinstance(child, nn.Linear):
            continue
        layer_bits = bits.get(name) if isinstance(bits, dict) else bits
        if layer_bits is None:
            continue
        if layer_bits < 1:
            raise ValueError(f"bits must be >= 1, got {layer_bits} for {name}")
        setattr(model, name, SharedLinear.from_linear(child, 2**layer_bits, init, seed))
    return model
