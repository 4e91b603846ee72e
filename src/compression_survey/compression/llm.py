"""Post-training compression of a small transformer language model (the worked example of issue 12).

A character-level, decoder-only transformer (:class:`TinyGPT`) is trained
on the CPU on English text that ships with scikit-learn
(:func:`sklearn_docstrings`), and its linear layers are then compressed
after training, one layer at a time, from a few calibration sequences:

- weight quantization to ``bits`` bits with one scale factor and zero-point
  per group of ``group_size`` consecutive input weights of each output row:
  round-to-nearest (:func:`rtn_quantize`) and GPTQ (:func:`gptq_quantize`,
  after :cite:`frantar2023optq`);
- pruning to 50 % unstructured or 2:4 semi-structured sparsity: magnitude
  pruning (:func:`magnitude_prune`), Wanda (:func:`wanda_prune`, after
  :cite:`sun2024simple`) and SparseGPT (:func:`sparsegpt_prune`, after
  :cite:`frantar2023sparsegpt`);
- quantization of the attention keys and values (the KV cache) to 8 or 4
  bits (:attr:`CausalSelfAttention.kv_bits`).

Conventions: a weight matrix has shape ``(out_features, in_features)`` as
in ``nn.Linear``; its calibration statistic is ``X^T X`` summed over the
``n`` calibration tokens (shape ``(in_features, in_features)``), from which
the layer Hessian of the GPTQ/SparseGPT papers is ``H = 2 X^T X / n`` and
the input feature norms of Wanda are ``||X_j||_2 = sqrt((X^T X)_jj)``.
Perplexity is ``exp`` of the mean next-token cross-entropy in nats
(:func:`perplexity`).  Everything is deterministic for fixed seeds on one
thread with deterministic algorithms (see ``demos.setup_torch``).  Bad
arguments raise :class:`ValueError` with a message naming the argument.
"""

from __future__ import annotations

import ast
import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

#: The scikit-learn subpackages whose public classes' docstrings form the corpus.
CORPUS_SUBPACKAGES = ("cluster", "decomposition", "ensemble", "linear_model", "neighbors",
                      "preprocessing", "svm", "tree")


# --------------------------------------------------------------------------- data


def sklearn_docstrings(subpackages: Sequence[str] = CORPUS_SUBPACKAGES) -> list[str]:
    """Docstrings of the public classes defined in scikit-learn's ``subpackages``, in a fixed order.

    Reads the installed (pinned) scikit-learn's source files without
    importing them: files of each subpackage (not its ``tests``) sorted by
    name, classes in file order, classes whose name starts with ``_``
    skipped, docstrings cleaned with :func:`ast.get_docstring`.  Nothing is
    downloaded.  Raises ``ValueError`` for an unknown subpackage.
    """
    import sklearn

    root = Path(sklearn.__file__).parent
    documents = []
    for name in subpackages:
        folder = root / name
        if not folder.is_dir():
            raise ValueError(f"scikit-learn has no subpackage {name!r}")
        for path in sorted(folder.glob("*.py")):
            source = path.read_text(encoding="utf-8")
            if "\nclass " not in source:
                continue
            for node in ast.parse(source).body:
                if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                    doc = ast.get_docstring(node)
                    if doc:
                        documents.append(doc)
    return documents


@dataclass(frozen=True)
class CharCorpus:
    """A character-level corpus split by document into training and held-out text.

    ``vocab``: the sorted characters of the whole corpus (token id = index);
    ``train`` / ``heldout``: int64 token ids, shape ``(n_chars,)``;
    ``n_documents_train`` / ``n_documents_heldout``: documents in each part.
    """

    vocab: str
    train: torch.Tensor
    heldout: torch.Tensor
    n_documents_train: int
    n_documents_heldout: int

    def encode(self, text: str) -> torch.Tensor:
        """Token ids of ``text`` (int64); raises ``ValueError`` on a character outside the vocabulary."""
        index = {c: i for i, c in enumerate(self.vocab)}
        missing = sorted(set(text) - set(index))
        if missing:
            raise ValueError(f"characters outside the vocabulary: {missing!r}")
        return torch.tensor([index[c] for c in text], dtype=torch.int64)

    def decode(self, ids: torch.Tensor) -> str:
        """The text of the token ids ``ids``."""
        return "".join(self.vocab[int(i)] for i in ids)


def char_corpus(documents: Sequence[str], heldout_every: int = 10, separator: str = "\n\n") -> CharCorpus:
    """Split ``documents`` into training and held-out text: every ``heldout_every``-th document is held out.

    Documents ``heldout_every - 1``, ``2 * heldout_every - 1``, ... go to the
    held-out part; each part is its documents joined by ``separator``.
    Raises ``ValueError`` if ``heldout_every`` < 2 or either part is empty.
    """
    if heldout_every < 2:
        raise ValueError(f"heldout_every must be >= 2, got {heldout_every}")
    train_docs = [d for i, d in enumerate(documents) if (i + 1) % heldout_every]
    heldout_docs = [d for i, d in enumerate(documents) if (i + 1) % heldout_every == 0]
    if not train_docs or not heldout_docs:
        raise ValueError(f"need at least {heldout_every} documents, got {len(documents)}")
    train_text, heldout_text = separator.join(train_docs), separator.join(heldout_docs)
    vocab = "".join(sorted(set(train_text) | set(heldout_text)))
    index = {c: i for i, c in enumerate(vocab)}
    encode = lambda text: torch.tensor([index[c] for c in text], dtype=torch.int64)  # noqa: E731
    return CharCorpus(vocab, encode(train_text), encode(heldout_text), len(train_docs), len(heldout_docs))


def random_windows(tokens: torch.Tensor, n: int, length: int, generator: torch.Generator) -> torch.Tensor:
    """``n`` windows of ``length`` consecutive tokens at random offsets, shape ``(n, length)``.

    Raises ``ValueError`` if ``tokens`` is shorter than ``length``.
    """
    if tokens.ndim != 1 or len(tokens) < length:
        raise ValueError(f"need a 1-D token tensor of at least {length} tokens, got shape {tuple(tokens.shape)}")
    starts = torch.randint(0, len(tokens) - length + 1, (n,), generator=generator)
    return torch.stack([tokens[s : s + length] for s in starts.tolist()])


# --------------------------------------------------------------------------- model


def fake_quantize_groups(x: torch.Tensor, bits: int, group_size: int | None = None) -> torch.Tensor:
    """Asymmetric min–max fake quantization of the last dimension of ``x`` in groups of ``group_size``.

    Each group gets its own scale factor and zero-point (:func:`group_qparams`);
    returns the dequantized values (same shape and dtype as ``x``).
    ``group_size=None`` uses the whole last dimension as one group.
    """
    shape = x.shape
    size = shape[-1] if group_size is None else group_size
    if size < 1 or shape[-1] % size:
        raise ValueError(f"group_size {group_size} must divide the last dimension {shape[-1]}")
    groups = x.reshape(-1, size)
    scale, zero = group_qparams(groups, bits)
    maxq = 2**bits - 1
    q = torch.clamp(torch.round(groups / scale) + zero, 0, maxq)
    return (scale * (q - zero)).reshape(shape)


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention with an optional quantized key/value cache.

    ``qkv``: ``nn.Linear(d_model, 3 d_model)``; ``proj``: ``nn.Linear(d_model, d_model)``.
    ``kv_bits`` (``None`` = float32): when set, every key and value vector of
    each head (``d_model / n_heads`` numbers per token) is fake-quantized with
    its own scale factor and zero-point before attention, as a KV cache
    stored in ``kv_bits`` bits would be.  Input and output ``(batch, time, d_model)``.
    """

    def __init__(self, d_model: int, n_heads: int) -> None:
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model ({d_model}) must be divisible by n_heads ({n_heads})")
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.kv_bits: int | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=2)
        q, k, v = (z.reshape(b, t, self.n_heads, d // self.n_heads).transpose(1, 2) for z in (q, k, v))
        if self.kv_bits is not None:
            k = fake_quantize_groups(k, self.kv_bits)
            v = fake_quantize_groups(v, self.kv_bits)
        scores = q @ k.transpose(-2, -1) / math.sqrt(d // self.n_heads)
        causal = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
        attention = scores.masked_fill(causal, float("-inf")).softmax(dim=-1)
        return self.proj((attention @ v).transpose(1, 2).reshape(b, t, d))


class Block(nn.Module):
    """Pre-LayerNorm transformer block: ``x + attn(ln1(x))``, then ``x + fc2(gelu(fc1(ln2(x))))``."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = CausalSelfAttention(d_model, n_heads)
        self.ln2 = nn.LayerNorm(d_model)
        self.fc1 = nn.Linear(d_model, d_ff)
        self.fc2 = nn.Linear(d_ff, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class TinyGPT(nn.Module):
    """A small decoder-only transformer language model (GPT-style, pre-LayerNorm, learned positions).

    Input: token ids ``(batch, time)`` with ``time <= context``; output:
    next-token logits ``(batch, time, vocab_size)``.  The linear layers of
    the blocks (:func:`block_linears`) are the ones compressed; the token
    and position embeddings, LayerNorms and output head stay in float32, as
    in the GPTQ, SparseGPT and Wanda papers.
    """

    def __init__(self, vocab_size: int, context: int = 128, d_model: int = 128, n_heads: int = 4,
                 n_layers: int = 2, d_ff: int | None = None) -> None:
        super().__init__()
        if min(vocab_size, context, d_model, n_heads, n_layers) < 1:
            raise ValueError("vocab_size, context, d_model, n_heads and n_layers must be positive")
        self.context = context
        self.token_embedding = nn.Embedding(vocab_size, d_model)
        self.position_embedding = nn.Embedding(context, d_model)
        self.blocks = nn.ModuleList(Block(d_model, n_heads, d_ff or 4 * d_model) for _ in range(n_layers))
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)
        self.apply(self._init)

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        t = ids.shape[1]
        if t > self.context:
            raise ValueError(f"sequence of {t} tokens is longer than the context of {self.context}")
        x = self.token_embedding(ids) + self.position_embedding(torch.arange(t, device=ids.device))
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))

    def set_kv_bits(self, bits: int | None) -> None:
        """Quantize the keys and values of every attention layer to ``bits`` bits (``None``: float32)."""
        if bits is not None and not 2 <= bits <= 16:
            raise ValueError(f"kv bits must be in 2..16 or None, got {bits}")
        for block in self.blocks:
            block.attn.kv_bits = bits


def block_linears(model: TinyGPT) -> list[tuple[str, nn.Linear]]:
    """The compressible linear layers of ``model``, in the order the forward pass uses them."""
    layers = []
    for i, block in enumerate(model.blocks):
        layers += [(f"blocks.{i}.attn.qkv", block.attn.qkv), (f"blocks.{i}.attn.proj", block.attn.proj),
                   (f"blocks.{i}.fc1", block.fc1), (f"blocks.{i}.fc2", block.fc2)]
    return layers


class LMTrainer:
    """Trains a :class:`TinyGPT` in place with AdamW on random windows of ``tokens``, in as many calls as wanted.

    Each step draws ``batch_size`` windows of ``model.context + 1`` tokens
    (generator seeded with ``seed``) and minimises the mean next-token
    cross-entropy (gradient norm clipped to 1); the learning rate rises
    linearly over ``warmup`` steps and then decays to 0 with a cosine over
    ``total_steps``.  :meth:`run` continues where the previous call stopped,
    so ``run(300); run(300)`` gives the same model as ``run(600)``.
    Raises ``ValueError`` if ``total_steps`` < 1.
    """

    def __init__(self, model: TinyGPT, tokens: torch.Tensor, total_steps: int, batch_size: int = 32,
                 lr: float = 3e-3, warmup: int = 20, seed: int = 0) -> None:
        if total_steps < 1:
            raise ValueError(f"total_steps must be >= 1, got {total_steps}")
        self.model, self.tokens, self.total_steps, self.batch_size = model, tokens, total_steps, batch_size
        self.generator = torch.Generator().manual_seed(seed)
        self.optimiser = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.1)
        self.schedule = torch.optim.lr_scheduler.LambdaLR(
            self.optimiser,
            lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(s, total_steps) / total_steps)))
        self.step = 0
        self.losses: list[float] = []

    def run(self, steps: int) -> list[float]:
        """Train ``steps`` more steps (at most up to ``total_steps``); returns their losses in nats."""
        if steps < 0:
            raise ValueError(f"steps must be >= 0, got {steps}")
        model = self.model
        model.train()
        losses = []
        for _ in range(min(steps, self.total_steps - self.step)):
            batch = random_windows(self.tokens, self.batch_size, model.context + 1, self.generator)
            logits = model(batch[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1))
            self.optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            self.optimiser.step()
            self.schedule.step()
            losses.append(float(loss.detach()))
            self.step += 1
        model.eval()
        self.losses += losses
        return losses


def train_lm(model: TinyGPT, tokens: torch.Tensor, steps: int, batch_size: int = 32, lr: float = 3e-3,
             warmup: int = 20, seed: int = 0) -> list[float]:
    """Train ``model`` in place for ``steps`` steps with :class:`LMTrainer`; returns the loss of every step (nats)."""
    return LMTrainer(model, tokens, steps, batch_size, lr, warmup, seed).run(steps)


@torch.no_grad()
def perplexity(model: TinyGPT, tokens: torch.Tensor, max_windows: int | None = None, batch_size: int = 64) -> float:
    """Perplexity of ``model`` on ``tokens``: ``exp`` of the mean next-token cross-entropy in nats.

    ``tokens`` (1-D int64) is cut into consecutive non-overlapping windows of
    ``model.context + 1`` tokens (the last, incomplete one dropped; at most
    ``max_windows`` of them); within each window every token after the first
    is predicted from the ones before it.  The result is unitless, ≥ 1, and
    equals the vocabulary size for a uniform guess.  Raises ``ValueError``
    if ``tokens`` holds less than one window.
    """
    length = model.context + 1
    n = len(tokens) // length if tokens.ndim == 1 else 0
    if max_windows is not None:
        n = min(n, max_windows)
    if n < 1:
        raise ValueError(f"need a 1-D tensor of at least {length} tokens, got shape {tuple(tokens.shape)}")
    windows = tokens[: n * length].reshape(n, length)
    model.eval()
    total = 0.0
    for start in range(0, n, batch_size):
        batch = windows[start : start + batch_size]
        logits = model(batch[:, :-1])
        total += float(F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1),
                                       reduction="sum"))
    return math.exp(total / (n * model.context))


# --------------------------------------------------------------------------- quantization


def _check_bits(bits: int) -> None:
    if not isinstance(bits, int) or not 2 <= bits <= 16:
        raise ValueError(f"bits must be an integer in 2..16, got {bits!r}")


def _check_weight(weight: torch.Tensor) -> None:
    if weight.ndim != 2:
        raise ValueError(f"weight must be a 2-D (out_features, in_features) matrix, got shape {tuple(weight.shape)}")


def _check_group(in_features: int, group_size: int | None) -> int:
    size = in_features if group_size is None else group_size
    if size < 1 or in_features % size:
        raise ValueError(f"group_size must divide in_features ({in_features}), got {group_size}")
    return size


def group_qparams(groups: torch.Tensor, bits: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Scale factor and zero-point of each row of ``groups`` (shape ``(n, group)``) for ``bits``-bit codes.

    Asymmetric min–max over the row, with the range extended to contain 0
    (as GPTQ's quantizer does): ``s = (max − min) / (2^bits − 1)``,
    ``z = round(−min / s)``; a constant row gets ``s = 1``.  Returns two
    ``(n, 1)`` tensors.
    """
    _check_bits(bits)
    maxq = 2**bits - 1
    low = groups.min(dim=1, keepdim=True).values.clamp(max=0)
    high = groups.max(dim=1, keepdim=True).values.clamp(min=0)
    scale = (high - low) / maxq
    scale = torch.where(scale > 0, scale, torch.ones_like(scale))
    zero = torch.round(-low / scale)
    return scale, zero


def rtn_quantize(weight: torch.Tensor, bits: int, group_size: int | None = None,
                 return_qparams: bool = False):
    """Round-to-nearest group-wise quantization of ``weight`` (``(out, in)``); returns the dequantized matrix.

    Each row is cut into groups of ``group_size`` consecutive input weights
    (``None``: one group per row); each group gets its own scale factor and
    zero-point (:func:`group_qparams`) and every weight is rounded to the
    nearest of its ``2^bits`` levels independently of the others.  With
    ``return_qparams=True`` also returns the scales and zero-points, shape
    ``(out, in / group_size)``.  Raises ``ValueError`` on a non-2-D weight,
    bits outside 2..16 or a group size that does not divide ``in``.
    """
    _check_weight(weight)
    _check_bits(bits)
    rows, cols = weight.shape
    size = _check_group(cols, group_size)
    groups = weight.detach().reshape(-1, size)
    scale, zero = group_qparams(groups, bits)
    q = torch.clamp(torch.round(groups / scale) + zero, 0, 2**bits - 1)
    result = (scale * (q - zero)).reshape(rows, cols).to(weight.dtype)
    if return_qparams:
        return result, scale.reshape(rows, -1), zero.reshape(rows, -1)
    return result


def layer_hessian(xtx: torch.Tensor, n_tokens: int) -> torch.Tensor:
    """The layer-wise Hessian ``H = 2 X^T X / n`` of the squared reconstruction error ``||W X^T − Ŵ X^T||²``."""
    if xtx.ndim != 2 or xtx.shape[0] != xtx.shape[1]:
        raise ValueError(f"X^T X must be a square matrix, got shape {tuple(xtx.shape)}")
    if n_tokens < 1:
        raise ValueError(f"n_tokens must be >= 1, got {n_tokens}")
    return 2.0 * xtx / n_tokens


def _inverse_hessian_cholesky(hessian: torch.Tensor, weight: torch.Tensor, damp: float) -> torch.Tensor:
    """Upper Cholesky factor of the damped inverse Hessian (float64); zeroes ``weight``'s dead inputs in place."""
    if hessian.shape != (weight.shape[1], weight.shape[1]):
        raise ValueError(f"hessian must have shape {(weight.shape[1], weight.shape[1])} "
                         f"to match the weight's in_features, got {tuple(hessian.shape)}")
    if damp < 0:
        raise ValueError(f"damp must be >= 0, got {damp}")
    h = hessian.detach().to(torch.float64).clone()
    dead = torch.diag(h) == 0
    h[dead, dead] = 1.0
    weight[:, dead] = 0.0
    h += damp * torch.diag(h).mean() * torch.eye(len(h), dtype=torch.float64)
    chol, info = torch.linalg.cholesky_ex(h)
    if int(info):
        raise ValueError("the damped Hessian is not positive definite; increase damp")
    return torch.linalg.cholesky(torch.cholesky_inverse(chol), upper=True)


def gptq_quantize(weight: torch.Tensor, hessian: torch.Tensor, bits: int, group_size: int | None = None,
                  block_size: int = 128, damp: float = 0.01, return_qparams: bool = False):
    """GPTQ :cite:`frantar2023optq`: quantize ``weight`` column by column, compensating each error on the later columns.

    ``weight``: ``(out, in)``; ``hessian``: ``(in, in)``, the layer Hessian
    ``2 X^T X / n`` of calibration inputs ``X`` (:func:`layer_hessian`).
    Columns are quantized in their natural order.  With the upper Cholesky
    factor ``U`` of ``(H + λI)^{-1}`` (``λ`` = ``damp`` × mean diagonal of
    ``H``), column ``j`` is rounded to the grid, and its error, divided by
    ``U_jj``, is subtracted from the not-yet-quantized columns in proportion
    to row ``j`` of ``U`` (the optimal brain surgeon update restricted to
    the remaining columns).  Updates are applied lazily: within a block of
    ``block_size`` columns immediately, to the columns after the block once
    per block.  With ``group_size``, each group's scale factor and
    zero-point (:func:`group_qparams`) are fixed when its first column is
    reached, from the weights as updated so far.  Inputs whose Hessian
    diagonal is 0 (never active) get weight 0.  Returns the dequantized
    matrix (and, with ``return_qparams=True``, scales and zero-points of
    shape ``(out, in / group_size)``).  Raises ``ValueError`` on bad
    shapes, bits, group or block sizes (``block_size`` must be a multiple of
    ``group_size``), negative ``damp`` or a Hessian that stays singular.
    """
    _check_weight(weight)
    _check_bits(bits)
    rows, cols = weight.shape
    size = _check_group(cols, group_size)
    if block_size < 1 or (group_size is not None and block_size % group_size):
        raise ValueError(f"block_size must be a positive multiple of group_size ({group_size}), got {block_size}")
    w = weight.detach().to(torch.float64).clone()
    u = _inverse_hessian_cholesky(hessian, w, damp)
    maxq = 2**bits - 1
    result = torch.zeros_like(w)
    scales, zeros = [], []
    if group_size is None:
        scale, zero = group_qparams(w, bits)
        scales.append(scale)
        zeros.append(zero)
    for i1 in range(0, cols, block_size):
        i2 = min(i1 + block_size, cols)
        w1 = w[:, i1:i2].clone()
        u1 = u[i1:i2, i1:i2]
        errors = torch.zeros_like(w1)
        for i in range(i2 - i1):
            if group_size is not None and (i1 + i) % size == 0:
                scale, zero = group_qparams(w1[:, i : i + size], bits)
                scales.append(scale)
                zeros.append(zero)
            column = w1[:, i : i + 1]
            q = scale * (torch.clamp(torch.round(column / scale) + zero, 0, maxq) - zero)
            result[:, i1 + i] = q[:, 0]
            error = (column - q) / u1[i, i]
            w1[:, i:] -= error @ u1[i : i + 1, i:]
            errors[:, i] = error[:, 0]
        w[:, i2:] -= errors @ u[i1:i2, i2:]
    result = result.to(weight.dtype)
    if return_qparams:
        return result, torch.cat(scales, dim=1).to(weight.dtype), torch.cat(zeros, dim=1).to(weight.dtype)
    return result


# --------------------------------------------------------------------------- pruning


def _check_sparsity(sparsity: float) -> None:
    if not 0.0 <= sparsity < 1.0:
        raise ValueError(f"sparsity must be a fraction in [0, 1), got {sparsity}")


def _check_nm(n_m: tuple[int, int], cols: int) -> tuple[int, int]:
    n, m = n_m
    if not (isinstance(n, int) and isinstance(m, int) and 0 < n < m):
        raise ValueError(f"n:m sparsity needs integers 0 < n < m, got {n}:{m}")
    if cols % m:
        raise ValueError(f"in_features ({cols}) must be a multiple of m ({m}) for {n}:{m} sparsity")
    return n, m


def nm_mask(scores: torch.Tensor, n: int = 2, m: int = 4) -> torch.Tensor:
    """Keep-mask for n:m sparsity: in every group of ``m`` consecutive entries of a row, the ``n`` highest scores.

    ``scores``: ``(out, in)`` with ``in`` a multiple of ``m``; returns a bool
    tensor of the same shape with exactly ``n`` ``True`` (kept) per group
    (ties broken by position).  2:4 is the pattern of sparse tensor cores.
    """
    _check_weight(scores)
    n, m = _check_nm((n, m), scores.shape[1])
    groups = scores.reshape(-1, m)
    order = torch.argsort(groups, dim=1, descending=True, stable=True)
    keep = torch.zeros_like(groups, dtype=torch.bool)
    keep.scatter_(1, order[:, :n], True)
    return keep.reshape(scores.shape)


def _lowest_mask(scores: torch.Tensor, sparsity: float, per_row: bool) -> torch.Tensor:
    """Keep-mask removing the ``round(sparsity × size)`` lowest scores per row or over the whole matrix."""
    flat = scores.reshape(scores.shape[0], -1) if per_row else scores.reshape(1, -1)
    k = round(sparsity * flat.shape[1])
    keep = torch.ones_like(flat, dtype=torch.bool)
    if k:
        order = torch.argsort(flat, dim=1, stable=True)
        keep.scatter_(1, order[:, :k], False)
    return keep.reshape(scores.shape)


def _score_prune(weight: torch.Tensor, scores: torch.Tensor, sparsity: float, n_m: tuple[int, int] | None,
                 per_row: bool) -> torch.Tensor:
    if n_m is not None:
        keep = nm_mask(scores, *n_m)
    else:
        _check_sparsity(sparsity)
        keep = _lowest_mask(scores, sparsity, per_row)
    return weight.detach() * keep


def magnitude_prune(weight: torch.Tensor, sparsity: float = 0.5, n_m: tuple[int, int] | None = None,
                    per_row: bool = False) -> torch.Tensor:
    """Magnitude pruning: zero the weights of smallest ``|W|``; returns the pruned copy of ``weight``.

    Unstructured: ``round(sparsity × size)`` weights are removed over the
    whole matrix (``per_row=False``, one threshold per layer as in the
    magnitude baselines of :cite:`sun2024simple` and :cite:`frantar2023sparsegpt`)
    or the same number in every output row (``per_row=True``).
    ``n_m=(n, m)``: keep the ``n`` largest of every ``m`` consecutive input
    weights of a row instead (``sparsity`` is then ignored).  No weight is
    updated.  Raises ``ValueError`` on a bad shape, sparsity or n:m pattern.
    """
    _check_weight(weight)
    return _score_prune(weight, weight.detach().abs(), sparsity, n_m, per_row)


def wanda_prune(weight: torch.Tensor, input_norms: torch.Tensor, sparsity: float = 0.5,
                n_m: tuple[int, int] | None = None) -> torch.Tensor:
    """Wanda :cite:`sun2024simple`: prune by ``|W_ij| · ||X_j||_2``, compared within each output row.

    ``input_norms``: ``(in,)``, the ℓ2 norm of each input feature over the
    calibration tokens (``sqrt`` of the diagonal of ``X^T X``).  Each row
    loses the ``round(sparsity × in)`` weights of lowest score (or, with
    ``n_m``, keeps the ``n`` highest of every ``m``); the remaining weights
    are not changed.  With equal input norms this is per-row magnitude
    pruning.  Raises ``ValueError`` on mismatched shapes or bad sparsity.
    """
    _check_weight(weight)
    if input_norms.shape != (weight.shape[1],):
        raise ValueError(f"input_norms must have shape ({weight.shape[1]},), got {tuple(input_norms.shape)}")
    if bool((input_norms < 0).any()):
        raise ValueError("input_norms must be non-negative")
    scores = weight.detach().abs() * input_norms.to(weight.dtype)[None, :]
    return _score_prune(weight, scores, sparsity, n_m, per_row=True)


def sparsegpt_prune(weight: torch.Tensor, hessian: torch.Tensor, sparsity: float = 0.5,
                    n_m: tuple[int, int] | None = None, block_size: int = 128, damp: float = 0.01) -> torch.Tensor:
    """SparseGPT :cite:`frantar2023sparsegpt`: prune ``weight`` and reconstruct the layer output with the rest.

    ``hessian``: ``(in, in)``, ``2 X^T X / n`` (:func:`layer_hessian`).
    Columns are processed left to right with the upper Cholesky factor ``U``
    of the damped inverse Hessian, as in GPTQ: the mask of each block of
    ``block_size`` columns is chosen when the block is reached, removing the
    ``round(sparsity × size)`` weights of the block with the smallest
    optimal-brain-surgeon error ``w² / U_jj²`` (adaptive mask selection);
    with ``n_m=(n, m)``, the ``n`` weights of every ``m`` consecutive ones of a
    row with the largest error are kept instead.  Each pruned weight's
    error is compensated on the not-yet-processed columns of its row.
    Returns the pruned, updated matrix with exactly the requested zeros.
    Raises ``ValueError`` on bad shapes, sparsity, n:m pattern, damping or
    block size (a multiple of ``m``).
    """
    _check_weight(weight)
    rows, cols = weight.shape
    if n_m is not None:
        n, m = _check_nm(n_m, cols)
        if block_size % m:
            raise ValueError(f"block_size ({block_size}) must be a multiple of m ({m})")
    else:
        _check_sparsity(sparsity)
    if block_size < 1:
        raise ValueError(f"block_size must be >= 1, got {block_size}")
    w = weight.detach().to(torch.float64).clone()
    u = _inverse_hessian_cholesky(hessian, w, damp)
    result = torch.zeros_like(w)
    for i1 in range(0, cols, block_size):
        i2 = min(i1 + block_size, cols)
        w1 = w[:, i1:i2].clone()
        u1 = u[i1:i2, i1:i2]
        errors = torch.zeros_like(w1)
        diag = torch.diag(u1)[None, :]
        if n_m is None:
            keep = _lowest_mask(w1**2 / diag**2, sparsity, per_row=False)
        else:
            keep = torch.ones_like(w1, dtype=torch.bool)
        for i in range(i2 - i1):
            if n_m is not None and i % m == 0:
                keep[:, i : i + m] = nm_mask(w1[:, i : i + m] ** 2 / diag[:, i : i + m] ** 2, n, m)
            column = w1[:, i : i + 1]
            q = column * keep[:, i : i + 1]
            result[:, i1 + i] = q[:, 0]
            error = (column - q) / u1[i, i]
            w1[:, i:] -= error @ u1[i : i + 1, i:]
            errors[:, i] = error[:, 0]
        w[:, i2:] -= errors @ u[i1:i2, i2:]
    return result.to(weight.dtype)


# --------------------------------------------------------------------------- whole model


def reconstruction_error(weight: torch.Tensor, compressed: torch.Tensor, x: torch.Tensor) -> float:
    """Relative output error ``||X Wᵀ − X Ŵᵀ||_F / ||X Wᵀ||_F`` of a compressed layer on inputs ``x`` ``(n, in)``."""
    reference = x @ weight.T
    return float((x @ (weight - compressed).T).norm() / reference.norm())


class _Captured(Exception):
    """Raised by the capture hook to stop the forward pass once the layer's input is recorded."""


@torch.no_grad()
def input_gram(model: TinyGPT, layer: nn.Linear, calibration: torch.Tensor) -> tuple[torch.Tensor, int]:
    """``X^T X`` (float64, ``(in, in)``) and the number of tokens ``n`` of ``layer``'s inputs on ``calibration``.

    ``calibration``: token ids ``(n_sequences, time)``.  The forward pass of
    ``model`` stops as soon as ``layer`` has seen its input.
    """
    captured = {}

    def hook(module, inputs):
        x = inputs[0].reshape(-1, inputs[0].shape[-1]).to(torch.float64)
        captured["xtx"], captured["n"] = x.T @ x, x.shape[0]
        raise _Captured

    handle = layer.register_forward_pre_hook(hook)
    try:
        model(calibration)
    except _Captured:
        pass
    finally:
        handle.remove()
    return captured["xtx"], captured["n"]


#: A layer compressor: ``(weight, X^T X, n_tokens) -> compressed weight``.
Compressor = Callable[[torch.Tensor, torch.Tensor, int], torch.Tensor]


def compress_model(model: TinyGPT, compressor: Compressor, calibration: torch.Tensor | None = None) -> TinyGPT:
    """A compressed copy of ``model``: every block linear layer replaced by ``compressor``'s output, in order.

    Layers are compressed one after the other in forward order; the inputs
    of each layer are recorded on ``calibration`` with all earlier layers
    already compressed, so later layers compensate what earlier ones lost
    (the sequential procedure of :cite:`frantar2023optq`).  ``calibration=None``
    for data-free compressors (RTN, magnitude pruning), which then receive
    ``X^T X = None``, ``n = 0``.  ``model`` itself is not changed.
    """
    compressed = copy.deepcopy(model).eval()
    for _, layer in block_linears(compressed):
        if calibration is None:
            xtx, n = None, 0
        else:
            xtx, n = input_gram(compressed, layer, calibration)
        layer.weight.data = compressor(layer.weight.data, xtx, n).to(layer.weight.dtype)
    return compressed


def sparsity_of(model: TinyGPT) -> float:
    """Fraction of zero weights over the block linear layers of ``model`` (0–1)."""
    zeros = sum(int((layer.weight == 0).sum()) for _, layer in block_linears(model))
    return zeros / sum(layer.weight.numel() for _, layer in block_linears(model))
