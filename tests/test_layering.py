"""The layering of srcdiff's modules, read from their source with :mod:`ast` (every import
counts, function-local ones too): no import cycle, and each stage imports only the stages at or
below it (:data:`STAGES`).  A lower layer that must learn of an upper one's event reads a value
the upper one checks (as ``rules.registered.generation``, bumped by registration and checked by
the caches of pipeline and api at lookup); it does not call up.
"""

from __future__ import annotations

import ast
from pathlib import Path

import srcdiff

PACKAGE = Path(srcdiff.__file__).resolve().parent

#: The stages, bottom first: the first component after ``srcdiff.`` of a module's name (a
#: subpackage or a top-level module); "" is the package itself (``srcdiff/__init__.py``, the
#: public names).  A module may import its own stage and the ones before it, never a later one.
STAGES = [
    "errors",  # the exceptions
    "syntax",  # gast builders and queries every stage uses
    "runtime",  # what generated code calls
    "rules",  # derivative rules (templates over runtime) and the table of registered ones
    "frontend",  # capture, inline, normalize
    "analysis",  # calls, activity, kinds, shapes, aliasing, purity
    "transform",  # reverse, forward, record
    "optimize",  # passes over generated code
    "backend",  # emit: source, compile, line mapping
    "pipeline",  # the stages run in order, and the caches
    "api",  # grad, jacobians, registry, checks, arguments
    "",  # srcdiff/__init__.py
    "tools",  # cli, export, docs_tables
    "__main__",  # python -m srcdiff
]


def _modules() -> dict[str, tuple[Path, bool]]:
    """Every module of srcdiff by dotted name: its file, and whether it is a package."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ["srcdiff", *path.relative_to(PACKAGE).with_suffix("").parts]
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


MODULES = _modules()


def _targets(name: str, path: Path, is_package: bool) -> dict[str, int]:
    """The srcdiff modules ``name`` imports (a name imported from a package counts as the
    package, a submodule as the submodule), each with the line of its first import."""
    package = name if is_package else name.rsplit(".", 1)[0]
    out: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        found: list[str] = []
        if isinstance(node, ast.Import):
            found = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found = [f"{module}.{a.name}" if f"{module}.{a.name}" in MODULES else module for a in node.names]
        for target in found:
            if target.split(".")[0] != "srcdiff" or target == name:
                continue
            # importing srcdiff.a.b runs srcdiff/a/__init__.py first (not the root package's, which
            # every module would then import)
            parts = target.split(".")
            for i in range(2, len(parts) + 1):
                enclosing = ".".join(parts[:i])
                if enclosing != name and not name.startswith(enclosing + "."):
                    out.setdefault(enclosing, node.lineno)
    return {t: line for t, line in out.items() if t in MODULES}


GRAPH = {name: _targets(name, path, is_package) for name, (path, is_package) in MODULES.items()}


def _stage(name: str) -> str:
    return name.split(".")[1] if "." in name else ""


def test_the_graph_is_read():
    assert "srcdiff.frontend.normalize" in GRAPH["srcdiff.pipeline"]
    assert "srcdiff.rules.registered" in GRAPH["srcdiff.analysis.calls"]
    assert "srcdiff.rules" in GRAPH["srcdiff.analysis.calls"]  # (its package runs first)
    assert "srcdiff.transform.common" in GRAPH["srcdiff.transform.forward"]
    assert "srcdiff.transform.reverse" not in GRAPH["srcdiff.transform.forward"]  # (shared code is in common)
    assert "srcdiff.transform.reverse.calls" in GRAPH["srcdiff.transform.reverse.assignments"]  # a subpackage's own
    assert "srcdiff.api.gradient" in GRAPH["srcdiff.api.checks"]  # function-local only


def test_every_module_has_a_stage():
    assert sorted(n for n in MODULES if _stage(n) not in STAGES) == []


def test_no_import_cycle():
    """Tarjan's strongly connected components of the import graph: all of one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in GRAPH:
        if v not in index:
            visit(v)
    assert cycles == []


def test_each_stage_imports_only_the_stages_below():
    upward = [
        f"{MODULES[name][0].relative_to(PACKAGE.parent)}:{line} ({_stage(name) or 'srcdiff'}) imports "
        f"{target} ({_stage(target) or 'srcdiff'})"
        for name, targets in GRAPH.items()
        for target, line in targets.items()
        if STAGES.index(_stage(target)) > STAGES.index(_stage(name))
    ]
    assert upward == []


#: Sizes a newcomer can read in one sitting: modules and classes past these are split by construct.
MODULE_LINES, CLASS_LINES = 600, 300


def test_no_module_or_class_is_too_long_to_read():
    too_long = []
    for name, (path, _) in MODULES.items():
        text = path.read_text()
        if text.count("\n") > MODULE_LINES:
            too_long.append(f"{name}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > CLASS_LINES:
                too_long.append(f"{name}.{node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert too_long == []
