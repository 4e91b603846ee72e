"""Huffman coding of quantized weight indices, the last stage of Deep Compression :cite:`han2016deep`."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Sequence


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
