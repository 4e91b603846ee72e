"""Headline targets of the demonstrations: the single source for notebooks, results page and tests.

Each target names the notebook that measures it and the glue keys under
which that notebook publishes its measurement.  ``ratio`` is a reduction
factor (×, e.g. fp32 bytes ÷ compressed bytes), ``drop`` an accuracy drop
in percentage points (baseline accuracy − compressed accuracy; negative
when the compressed model is better).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """A headline claim reproduced in miniature.

    ``min_ratio``: the ratio must be at least this (×);
    ``max_drop_pp``: the accuracy drop must be at most this (percentage points),
    ``None`` for a target that is a ratio alone;
    ``ratio_key`` / ``drop_key``: glue keys of the measured values in ``notebook``
    (``drop_key`` is ``None`` when ``max_drop_pp`` is);
    ``prefix``: prefix of the glue keys of the bounds and verdicts, so that one
    notebook can check several targets (``target`` for the first).
    """

    notebook: str
    min_ratio: float
    max_drop_pp: float | None
    ratio_key: str
    drop_key: str | None
    prefix: str = "target"

    def met(self, ratio: float, drop_pp: float | None = None) -> bool:
        """True when ``ratio`` ≥ ``min_ratio`` and (if bounded) ``drop_pp`` ≤ ``max_drop_pp``.

        Raises ``ValueError`` if the target bounds the drop and ``drop_pp`` is ``None``.
        """
        if self.max_drop_pp is None:
            return ratio >= self.min_ratio
        if drop_pp is None:
            raise ValueError(f"target of {self.notebook} bounds the accuracy drop; drop_pp is required")
        return ratio >= self.min_ratio and drop_pp <= self.max_drop_pp


#: Targets by demonstration id.  Numbers from issue 4 (the paper's own claim is cited on the results page).
TARGETS: dict[str, Target] = {
    "magnitude-pruning": Target("notebooks/magnitude_pruning", 10.0, 0.5, "target_ratio", "target_drop_pp"),
    "quantization-int8": Target("notebooks/quantization", 3.5, 0.5, "target_ratio", "target_drop_pp"),
    "deep-compression": Target("notebooks/deep_compression", 30.0, 1.0, "target_ratio", "target_drop_pp"),
    "low-rank": Target("notebooks/low_rank", 2.0, 1.0, "target_ratio", "target_drop_pp"),
    # Issue 12.  Ratio of perplexity increases over the dense model at 3 bits: RTN's ÷ GPTQ's
    # (GPTQ's increase at most half of RTN's).
    "llm-gptq-3bit": Target("notebooks/llm_compression", 2.0, None, "target_gptq_ratio", None, "target_gptq"),
    # Ratio of perplexities at 50 % unstructured sparsity: magnitude pruning's ÷ the worse of
    # Wanda's and SparseGPT's (both beat magnitude pruning when it is above 1).
    "llm-pruning-50": Target("notebooks/llm_compression", 1.0, None, "target_pruning_ratio", None,
                             "target_pruning"),
}


def target_for(notebook: str) -> Target:
    """The (first) target measured by ``notebook`` (a docname); raises ``KeyError`` if it has none."""
    for target in TARGETS.values():
        if target.notebook == notebook:
            return target
    raise KeyError(f"no target for notebook {notebook!r}")


VERDICTS = {
    True: {"en": "The target is met", "zh_CN": "达到目标"},
    False: {"en": "The target is missed", "zh_CN": "未达到目标"},
}


def glue_target(target: Target, ratio: float, drop_pp: float | None = None) -> bool:
    """Glue a notebook's measurement of ``target`` and the verdict; returns whether it is met.

    Glues (all with ``display=False``): the ratio under ``target.ratio_key`` (×),
    the drop under ``target.drop_key`` (percentage points; not for a ratio-only
    target), ``<prefix>_min_ratio``, ``<prefix>_max_drop_pp`` (likewise), and
    the verdict sentences ``<prefix>_verdict_en`` / ``<prefix>_verdict_zh`` for
    the English prose and its Chinese translation (``<prefix>`` is
    ``target.prefix``, ``target`` by default), so no page states by hand
    whether a target holds.  Call it from a notebook executed by MyST-NB or Jupyter.
    """
    from myst_nb import glue

    met = target.met(ratio, drop_pp)
    prefix = target.prefix
    glue(target.ratio_key, float(ratio), display=False)
    glue(f"{prefix}_min_ratio", target.min_ratio, display=False)
    if target.max_drop_pp is not None:
        glue(target.drop_key, float(drop_pp), display=False)
        glue(f"{prefix}_max_drop_pp", target.max_drop_pp, display=False)
    glue(f"{prefix}_verdict_en", VERDICTS[met]["en"], display=False)
    glue(f"{prefix}_verdict_zh", VERDICTS[met]["zh_CN"], display=False)
    return met
