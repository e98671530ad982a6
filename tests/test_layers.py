"""ARCHITECTURE.md's import table holds: no part imports a part above it, and no import circles."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "regconform"
EVERYTHING = "everything"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def absolute(node: ast.ImportFrom, path: Path, root: Path) -> str | None:
    """The module a `from ... import` names, relative ones (`from ..x import y`) resolved."""
    if node.level == 0:
        return node.module
    here = module_name(path, root).split(".")
    if path.name != "__init__.py":
        here = here[:-1]  # a module's package is its parent; a package's is itself
    base = here[: len(here) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(path: Path, root: Path) -> Iterator[str]:
    """Every module of the package that `path` imports, at any depth of its code."""
    package = root.name
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.split(".")[0] == package)
        elif isinstance(node, ast.ImportFrom):
            module = absolute(node, path, root)
            if not module or module.split(".")[0] != package:
                continue
            for alias in node.names:  # `from pkg import module` imports the module
                sub = f"{module}.{alias.name}"
                exists = (root.parent / sub.replace(".", "/")).with_suffix(".py").exists() or (
                    root.parent / sub.replace(".", "/") / "__init__.py"
                ).exists()
                yield sub if exists else module


def import_graph(root: Path) -> dict[str, set[str]]:
    return {
        module_name(path, root): set(imports_of(path, root)) for path in sorted(root.rglob("*.py"))
    }


def rules_from(architecture: str, package: str) -> dict[str, set[str] | None]:
    """The table's rows: part -> the parts it may import (None: everything)."""
    rules: dict[str, set[str] | None] = {}
    for line in architecture.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith(f"`{package}"):
            continue
        allowed_text = cells[2]
        allowed: set[str] | None = (
            None
            if allowed_text == EVERYTHING
            else {f"{package}.{p.strip()}" for p in allowed_text.split(",") if p.strip() != "—"}
        )
        for part in re.findall(r"`([\w.]+)`", cells[0]):
            rules[part] = allowed
    return rules


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def rule_of(module: str, rules: dict[str, set[str] | None]) -> str | None:
    """The most specific row naming `module` (or a package holding it)."""
    matching = [part for part in rules if _within(module, part)]
    return max(matching, key=len) if matching else None


def broken_rules(graph: dict[str, set[str]], rules: dict[str, set[str] | None]) -> list[str]:
    broken = []
    for module, imported in sorted(graph.items()):
        part = rule_of(module, rules)
        if part is None:
            if module.count(".") >= 1:
                broken.append(f"{module} is in no row of the table")
            continue
        allowed = rules[part]
        if allowed is None:
            continue
        for target in sorted(imported):
            if _within(target, part) or any(_within(target, a) for a in allowed):
                continue
            if rule_of(target, rules) == part:  # a narrower row inside the same part
                continue
            broken.append(f"{module} imports {target}, which {part} may not import")
    return broken


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of two or more modules (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in graph:
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _package_import_edges(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """A module importing `a.b.c` also runs `a/__init__` and `a/b/__init__`: count those too."""
    full: dict[str, set[str]] = {}
    for module, imported in graph.items():
        edges = set()
        for target in imported:
            parts = target.split(".")
            edges.update(".".join(parts[:n]) for n in range(2, len(parts) + 1))
        full[module] = {t for t in edges if t != module and not _within(module, t)}
    return full


def test_no_part_imports_a_part_it_may_not() -> None:
    """Every import in src/regconform is allowed by ARCHITECTURE.md's table."""
    rules = rules_from((REPO / "ARCHITECTURE.md").read_text(encoding="utf-8"), "regconform")
    assert "regconform.judging.checks" in rules and "regconform.run" in rules
    assert broken_rules(import_graph(PACKAGE), rules) == []


def test_no_import_circles() -> None:
    """No module imports itself back through others (package __init__s included)."""
    assert circles(_package_import_edges(import_graph(PACKAGE))) == []


TABLE = """
| part | what it is | may import |
| --- | --- | --- |
| `pkg.low` | the bottom | — |
| `pkg.high` | the top | low |
"""


def _scratch_package(root: Path, low_source: str) -> Path:
    package = root / "pkg"
    for name, source in {
        "__init__.py": "",
        "low/__init__.py": "",
        "low/data.py": low_source,
        "high/__init__.py": "",
        "high/uses.py": "from pkg.low import data\n",
    }.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(source)
    return package


def test_the_rule_fails_on_a_deliberate_wrong_import(tmp_path: Path) -> None:
    """A lower part importing a higher one is reported, and so is the circle it makes."""
    rules = rules_from(TABLE, "pkg")
    fine = _scratch_package(tmp_path / "fine", "VALUE = 1\n")
    assert broken_rules(import_graph(fine), rules) == []
    wrong = _scratch_package(tmp_path / "wrong", "def late():\n    from pkg.high import uses\n")
    assert broken_rules(import_graph(wrong), rules) == [
        "pkg.low.data imports pkg.high.uses, which pkg.low may not import"
    ]
    assert circles(_package_import_edges(import_graph(wrong))) == [
        ["pkg.high.uses", "pkg.low.data"]
    ]


def test_a_relative_wrong_import_is_caught_too(tmp_path: Path) -> None:
    """`from ..high import uses` is the same wrong import, written relative to the package."""
    rules = rules_from(TABLE, "pkg")
    wrong = _scratch_package(tmp_path / "wrong", "from ..high import uses\n")
    assert broken_rules(import_graph(wrong), rules) == [
        "pkg.low.data imports pkg.high.uses, which pkg.low may not import"
    ]
    fine = _scratch_package(tmp_path / "fine", "from . import __name__ as _n\n")
    assert broken_rules(import_graph(fine), rules) == []
