"""The survey's taxonomy of compression families and sub-families.

The single source is ``taxonomy.yaml`` at the project root: a list of
nodes, each with an ``id``, a ``name`` and a ``definition`` in English
(``en``) and Simplified Chinese (``zh_CN``), and optional ``children``.
Sub-family ids are ``<family id>.<name>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

#: Languages every node must name and define.
LANGUAGES = ("en", "zh_CN")


class TaxonomyError(ValueError):
    """Raised when the taxonomy file is malformed; the message names the file and the node id."""


@dataclass
class TaxonomyNode:
    """One family or sub-family.

    ``name`` and ``definition`` map a language code (``"en"``, ``"zh_CN"``)
    to text; ``parent`` is the family id for a sub-family, else ``None``.
    """

    id: str
    name: dict[str, str]
    definition: dict[str, str]
    parent: str | None = None
    children: list["TaxonomyNode"] = field(default_factory=list)

    def label(self, language: str) -> str:
        """The node's name in ``language`` (``"en"`` or ``"zh_CN"``; other codes fall back to English)."""
        return self.name.get(_lang(language), self.name["en"])

    def describe(self, language: str) -> str:
        """The node's one-line definition in ``language``."""
        return self.definition.get(_lang(language), self.definition["en"])


def _lang(language: str | None) -> str:
    return "zh_CN" if (language or "").replace("-", "_").startswith("zh") else "en"


class Taxonomy:
    """The loaded taxonomy: families in file order, each with its sub-families."""

    def __init__(self, families: list[TaxonomyNode], path: Path):
        self.families = families
        self.path = path
        self.by_id: dict[str, TaxonomyNode] = {}
        for family in families:
            self.by_id[family.id] = family
            for child in family.children:
                self.by_id[child.id] = child

    def __contains__(self, node_id: str) -> bool:
        return node_id in self.by_id

    def nodes(self) -> list[TaxonomyNode]:
        """Every node, each family followed by its sub-families (document order)."""
        out: list[TaxonomyNode] = []
        for family in self.families:
            out.append(family)
            out.extend(family.children)
        return out

    def family_of(self, node_id: str) -> TaxonomyNode:
        """The family a node id belongs to (itself for a family).

        Raises :class:`KeyError` for an unknown id.
        """
        node = self.by_id[node_id]
        return self.by_id[node.parent] if node.parent else node


def _node(raw: object, path: Path, parent: str | None) -> TaxonomyNode:
    if not isinstance(raw, dict) or "id" not in raw:
        raise TaxonomyError(f"{path}: every node needs an 'id' (under {parent or 'top level'}): {raw!r}")
    node_id = str(raw["id"])
    if parent is not None and not node_id.startswith(parent + "."):
        raise TaxonomyError(f"{path}: node {node_id!r}: a sub-family id must start with {parent + '.'!r}")
    texts = {}
    for part in ("name", "definition"):
        value = raw.get(part)
        if not isinstance(value, dict):
            raise TaxonomyError(f"{path}: node {node_id!r}: '{part}' must map languages to text")
        for lang in LANGUAGES:
            if not str(value.get(lang, "")).strip():
                raise TaxonomyError(f"{path}: node {node_id!r}: missing {part} in {lang}")
        texts[part] = {k: str(v).strip() for k, v in value.items()}
    node = TaxonomyNode(node_id, texts["name"], texts["definition"], parent)
    children = raw.get("children") or []
    if children and parent is not None:
        raise TaxonomyError(f"{path}: node {node_id!r}: sub-families cannot have children")
    node.children = [_node(child, path, node_id) for child in children]
    return node


def load_taxonomy(path: Path) -> Taxonomy:
    """Read and validate ``taxonomy.yaml``.

    Raises :class:`TaxonomyError` for a missing name or definition in
    either language, a badly formed or duplicate id; :class:`FileNotFoundError`
    if the file does not exist.
    """
    path = Path(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise TaxonomyError(f"{path}: the taxonomy must be a list of families")
    families = [_node(item, path, None) for item in raw]
    seen: set[str] = set()
    for family in families:
        for node in [family, *family.children]:
            if node.id in seen:
                raise TaxonomyError(f"{path}: duplicate taxonomy id {node.id!r}")
            seen.add(node.id)
    return Taxonomy(families, path)
