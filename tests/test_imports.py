"""No import cycles inside keras_gmgan: a static check of the module-level imports."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "keras_gmgan"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_level_imports(tree: ast.Module) -> list:
    """The modules named by import statements that run on import (not inside functions)."""
    names, pending = [], list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, (ast.If, ast.Try, ast.With)):
            pending += [
                child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt)
            ]
    return names


def import_graph() -> dict:
    """{module: modules its import executes}, within keras_gmgan. Importing `a.b.c` runs the
    package `a.b` too, except for a module inside that package (already being imported)."""
    modules = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        edges = set()
        for imported in _module_level_imports(ast.parse(path.read_text())):
            parts = imported.split(".")
            for end in range(2, len(parts) + 1):
                target = ".".join(parts[:end])
                own_package = name == target or name.startswith(target + ".")
                if target in modules and not own_package:
                    edges.add(target)
        graph[name] = edges
    return graph


def find_cycle(graph: dict):
    """One import cycle as a list of modules, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return stack[stack.index(target) :] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_checker_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_keras_gmgan_has_no_import_cycle():
    graph = import_graph()
    assert "keras_gmgan.callbacks.image_evaluation" in graph
    assert "keras_gmgan.metrics.evaluation" in graph["keras_gmgan.callbacks.image_evaluation"]
    cycle = find_cycle(graph)
    assert cycle is None, " -> ".join(cycle)
