"""The import graph points down: no module imports one of a higher layer, and no two
modules import each other (directly or round a loop). Imports under ``TYPE_CHECKING``
are for the type checker only and do not count."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "bulletin_nlp"

# Lowest first. A module may import its own layer or any lower one.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "spans", "versions"),
    ("rules", "io", "formats", "segment", "numbers", "dates", "gazetteer", "lexicon"),
    ("normalize", "layout_cues", "doc", "tables", "date_spans", "resolve"),
    ("structure", "extract"),
    ("facts",),
    ("pipeline", "gold"),
    ("evaluate", "store", "check", "batch", "ingest", "export", "review", "report", "ruleset"),
    ("review_server", "datasette_app", "cli"),
)


def _layer(module: str) -> int:
    top = module.split(".")[1]
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    raise AssertionError(f"bulletin_nlp.{top} has no layer in tests/test_imports.py")


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """The bulletin_nlp modules ``path`` imports, outside ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.startswith("bulletin_nlp"):
                for alias in node.names:
                    full = f"{mod}.{alias.name}"
                    found.add(
                        full
                        if (PACKAGE.parent / full.replace(".", "/")).exists()
                        or (PACKAGE.parent / (full.replace(".", "/") + ".py")).exists()
                        else mod
                    )
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("bulletin_nlp"))
    return {m for m in found if m != name}


def _graph() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in PACKAGE.rglob("*.py")}


def test_imports_point_down() -> None:
    upward = [
        f"{mod} imports {dep}"
        for mod, deps in _graph().items()
        for dep in deps
        if dep != "bulletin_nlp" and _layer(dep) > _layer(mod)
    ]
    assert upward == []


def test_no_import_cycles() -> None:
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    assert cycles == []
