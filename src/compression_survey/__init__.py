"""Code of the model-compression survey: bibliography checks, taxonomy,
literature statistics and the Sphinx extension that glues them to the site."""

from pathlib import Path

#: The repository's top-level folder (where ``conf.py`` and ``references.bib`` live).
PROJECT_ROOT = Path(__file__).resolve().parents[2]

__all__ = ["PROJECT_ROOT"]
