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

    ``min_ratio``: the reduction factor must be at least this (×);
    ``max_drop_pp``: the accuracy drop must be at most this (percentage points);
    ``ratio_key`` / ``drop_key``: glue keys of the measured values in ``notebook``.
    """

    notebook: str
    min_ratio: float
    max_drop_pp: float
    ratio_key: str
    drop_key: str

    def met(self, ratio: float, drop_pp: float) -> bool:
        """True when ``ratio`` ≥ ``min_ratio`` and ``drop_pp`` ≤ ``max_drop_pp``."""
        return ratio >= self.min_ratio and drop_pp <= self.max_drop_pp


#: Targets by demonstration id.  Numbers from issue 4 (the paper's own claim is cited on the results page).
TARGETS: dict[str, Target] = {
    "magnitude-pruning": Target("notebooks/magnitude_pruning", 10.0, 0.5, "target_ratio", "target_drop_pp"),
    "quantization-int8": Target("notebooks/quantization", 3.5, 0.5, "target_ratio", "target_drop_pp"),
    "deep-compression": Target("notebooks/deep_compression", 30.0, 1.0, "target_ratio", "target_drop_pp"),
    "low-rank": Target("notebooks/low_rank", 2.0, 1.0, "target_ratio", "target_drop_pp"),
}


def target_for(notebook: str) -> Target:
    """The target measured by ``notebook`` (a docname); raises ``KeyError`` if it has none."""
    for target in TARGETS.values():
        if target.notebook == notebook:
            return target
    raise KeyError(f"no target for notebook {notebook!r}")


VERDICTS = {
    True: {"en": "The target is met", "zh_CN": "达到目标"},
    False: {"en": "The target is missed", "zh_CN": "未达到目标"},
}


def glue_target(target: Target, ratio: float, drop_pp: float) -> bool:
    """Glue a notebook's measurement of ``target`` and the verdict; returns whether it is met.

    Glues (all with ``display=False``): ``target_ratio`` (×), ``target_drop_pp``
    (percentage points), ``target_min_ratio``, ``target_max_drop_pp``, and the
    verdict sentences ``target_verdict_en`` / ``target_verdict_zh`` for the
    English prose and its Chinese translation, so no page states by hand
    whether a target holds.  Call it from a notebook executed by MyST-NB or Jupyter.
    """
    from myst_nb import glue

    met = target.met(ratio, drop_pp)
    glue(target.ratio_key, float(ratio), display=False)
    glue(target.drop_key, float(drop_pp), display=False)
    glue("target_min_ratio", target.min_ratio, display=False)
    glue("target_max_drop_pp", target.max_drop_pp, display=False)
    glue("target_verdict_en", VERDICTS[met]["en"], display=False)
    glue("target_verdict_zh", VERDICTS[met]["zh_CN"], display=False)
    return met
