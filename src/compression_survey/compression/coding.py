"""Huffman coding of quantized weight indices, the last stage of Deep Compression :cite:`han2016deep`.

Also the storage format of a pruned, weight-shared layer: relative indices
of the kept weights, their cluster indices, the codebook and the bias,
each symbol stream Huffman-coded, with a decoder that restores the layer.
"""

from __future__ import annotations

import heapq
import struct
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import torch


def huffman_code(symbols: Iterable[int]) -> dict[int, str]:
    """A prefix-free code (symbol -> bit string) built from the symbol frequencies.

    A single distinct symbol gets the code ``"0"``. Raises :class:`ValueError` on no symbols.
    Ties are broken by symbol value, so the code is deterministic.
    """
    counts = Counter(symbols)
    if not counts:
        raise ValueError("cannot build a Huffman code for no symbols")
    if len(counts) == 1:
        return {next(iter(counts)): "0"}
    heap = [(count, symbol, {symbol: ""}) for symbol, count in sorted(counts.items())]
    heapq.heapify(heap)
    while len(heap) > 1:
        count_a, key_a, codes_a = heapq.heappop(heap)
        count_b, key_b, codes_b = heapq.heappop(heap)
        merged = {s: "0" + c for s, c in codes_a.items()} | {s: "1" + c for s, c in codes_b.items()}
        heapq.heappush(heap, (count_a + count_b, min(key_a, key_b), merged))
    return heap[0][2]


def encode(symbols: Sequence[int], code: dict[int, str]) -> bytes:
    """The concatenated code words of ``symbols``, padded with zero bits to whole bytes."""
    bits = "".join(code[s] for s in symbols)
    bits += "0" * (-len(bits) % 8)
    return int(bits, 2).to_bytes(len(bits) // 8, "big") if bits else b""


def decode(data: bytes, code: dict[int, str], count: int) -> list[int]:
    """The first ``count`` symbols encoded in ``data``; :class:`ValueError` if ``data`` ends early."""
    inverse = {word: symbol for symbol, word in code.items()}
    out: list[int] = []
    word = ""
    for byte in data:
        for bit in f"{byte:08b}":
            word += bit
            if word in inverse:
                out.append(inverse[word])
                word = ""
                if len(out) == count:
                    return out
    if len(out) < count:
        raise ValueError(f"data holds {len(out)} symbols, {count} requested")
    return out


def canonical_code(lengths: dict[int, int]) -> dict[int, str]:
    """The canonical prefix code with the given code-word lengths (symbol -> bit string).

    Symbols are ordered by (length, symbol) and get consecutive code words,
    so a decoder needs only the lengths, not the code words.  Raises
    :class:`ValueError` for an empty table, a length below 1, or lengths
    that no prefix code can have (Kraft sum above 1).
    """
    if not lengths:
        raise ValueError("cannot build a code for no symbols")
    if min(lengths.values()) < 1:
        raise ValueError("code-word lengths must be >= 1")
    if sum(2.0 ** -length for length in lengths.values()) > 1.0:
        raise ValueError("these lengths violate the Kraft inequality")
    code: dict[int, str] = {}
    word, previous = 0, 0
    for symbol, length in sorted(lengths.items(), key=lambda item: (item[1], item[0])):
        word <<= length - previous
        code[symbol] = format(word, f"0{length}b")
        word, previous = word + 1, length
    return code


def fixed_length_code(alphabet_size: int) -> dict[int, str]:
    """Plain binary code words of ``max(1, ceil(log2(alphabet_size)))`` bits for the symbols ``0 .. alphabet_size - 1``."""
    if alphabet_size < 1:
        raise ValueError(f"alphabet_size must be >= 1, got {alphabet_size}")
    bits = max(1, (alphabet_size - 1).bit_length())
    return {symbol: format(symbol, f"0{bits}b") for symbol in range(alphabet_size)}


def relative_positions(positions: Sequence[int], gap_bits: int) -> list[int]:
    """Relative-index symbols of the increasing flat ``positions`` of the kept weights.

    The sparse storage of :cite:`han2016deep`: each kept weight is stored by
    its distance ``d`` to the previous one (the first from position -1) in
    ``gap_bits`` bits, as the symbol ``d - 1``.  A distance too large for
    the symbols ``0 .. 2**gap_bits - 2`` is bridged by escape symbols
    ``2**gap_bits - 1``, each advancing ``2**gap_bits - 1`` positions with no
    weight (the paper inserts a filler zero weight instead; the escape costs
    no cluster index).  Raises :class:`ValueError` for ``gap_bits`` < 1 or
    positions that are negative or not increasing.
    """
    if gap_bits < 1:
        raise ValueError(f"gap_bits must be >= 1, got {gap_bits}")
    escape = 2**gap_bits - 1
    symbols: list[int] = []
    previous = -1
    for position in positions:
        distance = position - previous
        if distance < 1:
            raise ValueError("positions must be non-negative and strictly increasing")
        while distance > escape:
            symbols.append(escape)
            distance -= escape
        symbols.append(distance - 1)
        previous = position
    return symbols


def absolute_positions(symbols: Sequence[int], gap_bits: int) -> list[int]:
    """Inverse of :func:`relative_positions`: the flat positions of the kept weights."""
    escape = 2**gap_bits - 1
    positions: list[int] = []
    cursor = -1
    for symbol in symbols:
        if symbol == escape:
            cursor += escape
        else:
            cursor += symbol + 1
            positions.append(cursor)
    return positions


# Layer header: rows, columns, flags, gap bits, codebook size, kept weights, relative-index symbols.
_HEADER = struct.Struct("<IIBBHII")
_HUFFMAN, _CODEBOOK, _BIAS = 1, 2, 4


def _add(parts: dict[str, int] | None, name: str, size: int) -> None:
    if parts is not None:
        parts[name] = parts.get(name, 0) + size


def _pack_stream(symbols: Sequence[int], alphabet_size: int, huffman: bool) -> bytes:
    """``[code-word length per symbol (1 byte each), if huffman] + uint32 byte count + bit stream``."""
    if huffman:
        lengths = {s: len(w) for s, w in huffman_code(symbols).items()} if symbols else {}
        if lengths and max(lengths.values()) > 255:
            raise ValueError("a Huffman code word is longer than 255 bits")
        table = bytes(lengths.get(s, 0) for s in range(alphabet_size))
        code = canonical_code(lengths) if lengths else {}
    else:
        table, code = b"", fixed_length_code(alphabet_size)
    data = encode(symbols, code)
    return table + struct.pack("<I", len(data)) + data


def _unpack_stream(data: bytes, offset: int, alphabet_size: int, huffman: bool, count: int) -> tuple[list[int], int]:
    if huffman:
        lengths = {s: n for s, n in enumerate(data[offset:offset + alphabet_size]) if n}
        offset += alphabet_size
        code = canonical_code(lengths) if lengths else {}
    else:
        code = fixed_length_code(alphabet_size)
    (size,) = struct.unpack_from("<I", data, offset)
    offset += 4
    symbols = decode(data[offset:offset + size], code, count) if count else []
    return symbols, offset + size


def encode_sparse_layer(weight: torch.Tensor, bias: torch.Tensor | None = None, codebook: torch.Tensor | None = None,
                        gap_bits: int = 5, huffman: bool = True, parts: dict[str, int] | None = None) -> bytes:
    """Serialize a pruned (and possibly weight-shared) layer in the storage format of Deep Compression :cite:`han2016deep`.

    ``weight``: float32, shape ``(rows, cols)`` (a Linear layer's
    ``(out_features, in_features)``); its zero entries are pruned.  Layout
    (little-endian): a 20-byte header; the codebook (``k`` float32) if given;
    the positions of the non-zero weights in row-major order as
    :func:`relative_positions` symbols; their values, either ``k``-ary
    cluster indices (with ``codebook``: every non-zero weight must equal a
    centroid exactly) or raw float32 (without); the bias (``rows`` float32)
    if given.  Each symbol stream is Huffman-coded (``huffman=True``; the
    canonical code is stored as one code-word length byte per symbol) or
    written with fixed-length code words (``gap_bits`` bits for positions,
    ``ceil(log2 k)`` for indices), then padded to whole bytes.  ``parts``,
    if given, accumulates the bytes of ``"header"``, ``"positions"``,
    ``"values"``, ``"codebook"`` and ``"bias"``.  Raises :class:`ValueError`
    for a non-2-D weight, a bad codebook or more than 65,535 centroids.
    """
    if weight.dim() != 2:
        raise ValueError(f"weight must be 2-D, got shape {tuple(weight.shape)}")
    weight = weight.detach().to(torch.float32)
    rows, cols = weight.shape
    flat = weight.flatten()
    positions = torch.nonzero(flat).flatten()
    values = flat[positions]
    gaps = relative_positions(positions.tolist(), gap_bits)
    flags = (_HUFFMAN if huffman else 0) | (_CODEBOOK if codebook is not None else 0) | (_BIAS if bias is not None else 0)
    k = 0
    body = b""
    if codebook is not None:
        codebook = codebook.detach().to(torch.float32).flatten()
        k = codebook.numel()
        if not 1 <= k <= 65535:
            raise ValueError(f"codebook must have 1 to 65,535 centroids, got {k}")
        indices = (values.reshape(-1, 1) - codebook.reshape(1, -1)).abs().argmin(dim=1)
        if not torch.equal(codebook[indices], values):
            raise ValueError("every non-zero weight must equal one of the codebook's centroids")
        body += codebook.numpy().tobytes()
        _add(parts, "codebook", 4 * k)
    header = _HEADER.pack(rows, cols, flags, gap_bits, k, len(positions), len(gaps))
    _add(parts, "header", len(header))
    stream = _pack_stream(gaps, 2**gap_bits, huffman)
    _add(parts, "positions", len(stream))
    body += stream
    if codebook is not None:
        stream = _pack_stream(indices.tolist(), k, huffman)
    else:
        stream = values.numpy().tobytes()
    _add(parts, "values", len(stream))
    body += stream
    if bias is not None:
        body += bias.detach().to(torch.float32).numpy().tobytes()
        _add(parts, "bias", 4 * rows)
    return header + body


def decode_sparse_layer(data: bytes, offset: int = 0) -> tuple[torch.Tensor, torch.Tensor | None, int]:
    """Read one layer written by :func:`encode_sparse_layer` starting at byte ``offset``.

    Returns ``(weight, bias, end)``: the dense float32 weight ``(rows, cols)``,
    the bias ``(rows,)`` or ``None``, and the offset just after the layer.
    Raises :class:`ValueError` (or :class:`struct.error`) on truncated data.
    """
    rows, cols, flags, gap_bits, k, n_kept, n_gaps = _HEADER.unpack_from(data, offset)
    offset += _HEADER.size
    huffman = bool(flags & _HUFFMAN)
    codebook = None
    if flags & _CODEBOOK:
        codebook = torch.from_numpy(np.frombuffer(data, np.float32, k, offset).copy())
        offset += 4 * k
    gaps, offset = _unpack_stream(data, offset, 2**gap_bits, huffman, n_gaps)
    positions = torch.tensor(absolute_positions(gaps, gap_bits), dtype=torch.int64)
    if codebook is not None:
        indices, offset = _unpack_stream(data, offset, k, huffman, n_kept)
        values = codebook[torch.tensor(indices, dtype=torch.int64)]
    else:
        values = torch.from_numpy(np.frombuffer(data, np.float32, n_kept, offset).copy())
        offset += 4 * n_kept
    if len(positions) != n_kept:
        raise ValueError(f"the layer's positions name {len(positions)} weights, its header {n_kept}")
    weight = torch.zeros(rows * cols)
    weight[positions] = values
    bias = None
    if flags & _BIAS:
        bias = torch.from_numpy(np.frombuffer(data, np.float32, rows, offset).copy())
        offset += 4 * rows
    return weight.reshape(rows, cols), bias, offset


def encode_sparse_model(layers: Sequence[tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]],
                        gap_bits: int = 5, huffman: bool = True, parts: dict[str, int] | None = None) -> bytes:
    """One byte with the number of layers, then each ``(weight, bias, codebook)`` as :func:`encode_sparse_layer` writes it."""
    if len(layers) > 255:
        raise ValueError(f"at most 255 layers, got {len(layers)}")
    _add(parts, "header", 1)
    return bytes([len(layers)]) + b"".join(
        encode_sparse_layer(weight, bias, codebook, gap_bits, huffman, parts) for weight, bias, codebook in layers
    )


def decode_sparse_model(data: bytes) -> list[tuple[torch.Tensor, torch.Tensor | None]]:
    """Inverse of :func:`encode_sparse_model`: the ``(weight, bias)`` of each layer; :class:`ValueError` on trailing bytes."""
    layers, offset = [], 1
    for _ in range(data[0]):
        weight, bias, offset = decode_sparse_layer(data, offset)
        layers.append((weight, bias))
    if offset != len(data):
        raise ValueError(f"{len(data) - offset} bytes left after the last layer")
    return layers
