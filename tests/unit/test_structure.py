"""The shape of the code: no import cycle between the parts of elearn, imports at module top, small
modules and functions. Read from the source with ``ast``; nothing is imported.

The import graph has one node per *part*:

- a feature package's domain modules (``elearn.quizzes.services``, ``.types``...) are the node
  ``quizzes``;
- its models (``elearn.quizzes.models``) are ``quizzes.models``: the shared data layer, which any
  part may read;
- its entry points (views, forms, blueprint, CLI commands, demo seeding, the API) are
  ``quizzes.web``: the top layer, which may call any feature;
- a module directly under ``elearn/`` is a node of its own (``permissions``, ``mail``...), and the
  app factory, the core views, the CLI and the demo seeding together are ``app``.

Every import counts, at the top of a module or inside a function. A cycle fails the test with the
imports that make it, and so does a domain module or a model that imports an entry module (the
layers call only downwards). Features that must tell others of an event do it with a signal
(``elearn.signals``) instead of importing them.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "elearn"

#: module names (last part) that are entry points of a feature: the web and CLI layer
ENTRY_MODULES = {"views", "forms", "blueprint", "cli", "demo", "demo_data", "demo_courses", "api"}
#: modules directly under elearn/ that make up the app itself (factory, core views, CLI, demo)
APP_MODULES = {"elearn", "elearn.cli", "elearn.views", "elearn.demo"}

#: Imports inside functions that stay there, each with its reason. A key is a module (all its
#: function-level imports) or a (module, imported module) pair.
FUNCTION_IMPORTS_ALLOWED = {
    # the app factory binds config, extensions, blueprints, receivers and commands while it builds
    # the app, so that importing one module of the package (``elearn.x`` runs
    # ``elearn/__init__.py``) does not import every feature
    "elearn": "app factory",
    # fpdf2 and fontTools (about half a second of imports) load at the first certificate PDF,
    # not in every web, worker and CLI process
    ("elearn.certificates.services", "elearn.certificates.fonts"): "PDF libraries at PDF time",
    ("elearn.certificates.services", "elearn.certificates.pdf"): "PDF libraries at PDF time",
    ("elearn.certificates.views", "elearn.certificates.fonts"): "PDF libraries at PDF time",
    ("elearn.certificates.views", "elearn.certificates.pdf"): "PDF libraries at PDF time",
    # a worker process builds its own app the first time a job runs; the factory is the root of
    # the graph, so importing it at the top would import every feature into elearn.tasks
    ("elearn.tasks", "elearn"): "worker app",
}


def function_import_allowed(module: str, target: str) -> bool:
    return module in FUNCTION_IMPORTS_ALLOWED or (module, target) in FUNCTION_IMPORTS_ALLOWED


#: Imports left out of the graph, with the reason: (module, imported module).
EDGES_IGNORED = {
    # the factory is the root of the graph; a worker process calls it to build its own app
    ("elearn.tasks", "elearn"): "worker app",
}

#: Modules allowed over MAX_MODULE_LINES, with the reason.
LONG_MODULES: dict[str, str] = {}
#: Functions allowed over MAX_FUNCTION_LINES ("module:function"), with the reason.
LONG_FUNCTIONS: dict[str, str] = {}

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, name: str) -> list[tuple[str, int, bool]]:
    """(imported name, line, inside a function) for every import statement of a module.
    ``from a.b import c`` gives both ``a.b`` and ``a.b.c`` (c may be a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    found: list[tuple[str, int, bool]] = []

    def visit(node, in_function: bool):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend((alias.name, child.lineno, in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[:len(base) - child.level + 1]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                found.append((target, child.lineno, in_function))
                found.extend((f"{target}.{alias.name}", child.lineno, in_function)
                             for alias in child.names)
            visit(child, in_function or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(tree, False)
    return found


def resolve(target: str, known: dict[str, Path]) -> str | None:
    """The elearn module an imported name belongs to (``a.b.func`` -> ``a.b``)."""
    while target and target not in known:
        if "." not in target:
            return None
        target = target.rsplit(".", 1)[0]
    return target or None


def part(module: str) -> str:
    """The graph node of a module (see the module docstring)."""
    parts = module.split(".")
    if module in APP_MODULES:
        return "app"
    if len(parts) == 2:
        return parts[1]
    feature, leaf = parts[1], parts[-1]
    if leaf == "models":
        return f"{feature}.models"
    if leaf in ENTRY_MODULES or leaf.endswith("_views"):
        return f"{feature}.web"
    return feature


def module_imports() -> dict[str, list[tuple[str, int, bool]]]:
    """For every module: the elearn modules it imports, with line and function flag."""
    known = modules()
    result: dict[str, list[tuple[str, int, bool]]] = {}
    for name, path in known.items():
        edges = []
        for target, line, in_function in imports_of(path, name):
            resolved = resolve(target, known)
            if resolved and resolved != name and not name.startswith(resolved + "."):
                edges.append((resolved, line, in_function))
        result[name] = edges
    return result


def part_graph(imports=None) -> dict[str, dict[str, list[str]]]:
    """part -> imported part -> the imports making that edge (``module:line``)."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for name, edges in (imports or module_imports()).items():
        for target, line, _in_function in edges:
            a, b = part(name), part(target)
            if a != b and (name, target) not in EDGES_IGNORED:
                graph[a][b].append(f"{name}:{line}")
    return graph


def find_cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    nodes = sorted(set(graph) | {b for edges in graph.values() for b in edges})
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, {})):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in nodes:
        if node not in index:
            connect(node)
    return components


def describe(components, graph) -> str:
    lines = []
    for component in components:
        lines.append("cycle between " + ", ".join(component) + ":")
        for a in component:
            for b in component:
                if b in graph.get(a, {}):
                    where = sorted(set(graph[a][b]))
                    lines.append(f"  {a} -> {b}: " + ", ".join(where[:4]))
    return "\n".join(lines)


def test_the_parts_of_elearn_import_each_other_without_a_cycle():
    graph = part_graph()
    cycles = find_cycles(graph)
    assert not cycles, "\n" + describe(cycles, graph)


def test_a_cycle_is_found_and_printed():
    graph = {"quizzes": {"enrolments": ["elearn.quizzes.services:3"]},
             "enrolments": {"certificates": ["elearn.enrolments.completion:9"]},
             "certificates": {"quizzes": ["elearn.certificates.services:12"]},
             "courses": {"quizzes": ["elearn.courses.sync:5"]}}
    cycles = find_cycles(graph)
    assert cycles == [["certificates", "enrolments", "quizzes"]]
    text = describe(cycles, graph)
    assert "enrolments -> certificates: elearn.enrolments.completion:9" in text
    assert "courses" not in text
    assert find_cycles({"a": {"b": ["x:1"]}, "b": {}}) == []


def test_a_cycle_through_a_function_level_import_is_found(tmp_path, monkeypatch):
    # a synthetic package: a.services imports b at the top, b imports a inside a function
    package = tmp_path / "elearn"
    for feature, source in (
        ("a", "from elearn.b.services import thing\n"),
        ("b", "def thing():\n    from elearn.a.services import other\n    return other\n"),
    ):
        (package / feature).mkdir(parents=True)
        (package / feature / "__init__.py").write_text("")
        (package / feature / "services.py").write_text(source)
    (package / "__init__.py").write_text("")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    monkeypatch.setitem(globals(), "PACKAGE", package)
    imports = module_imports()
    assert ("elearn.a.services", 2, True) in imports["elearn.b.services"]
    assert find_cycles(part_graph(imports)) == [["a", "b"]]


def is_entry(module: str) -> bool:
    """An entry module: the app itself or a feature's web and CLI layer (see ``part``)."""
    node = part(module)
    return node == "app" or node.endswith(".web")


def entry_imports(imports=None) -> list[str]:
    """Imports of an entry module (views, forms, blueprint, CLI, demo, API) by a domain module
    or a model: the layers only call downwards."""
    found = []
    for name, edges in (imports or module_imports()).items():
        if is_entry(name):
            continue
        for target, line, _in_function in edges:
            if is_entry(target) and (name, target) not in EDGES_IGNORED:
                found.append(f"{name}:{line} imports {target}")
    return sorted(set(found))


def test_no_domain_module_imports_an_entry_module():
    assert entry_imports() == []


def test_a_domain_module_importing_an_entry_module_is_found():
    imports = {
        "elearn.quizzes.services": [("elearn.quizzes.forms", 7, False),
                                    ("elearn.courses.models", 8, False)],
        "elearn.reports.rollups": [("elearn.reports.demo", 40, True)],
        "elearn.permissions": [("elearn.cli", 3, False)],
        "elearn.courses.views": [("elearn.courses.forms", 5, False)],  # entry to entry: fine
        "elearn.webinars.feed_views": [("elearn.webinars.services", 9, False)],
    }
    assert entry_imports(imports) == [
        "elearn.permissions:3 imports elearn.cli",
        "elearn.quizzes.services:7 imports elearn.quizzes.forms",
        "elearn.reports.rollups:40 imports elearn.reports.demo",
    ]


def test_imports_are_at_module_top():
    """A function-level import hides a dependency; only the documented ones remain."""
    found = []
    for name, edges in module_imports().items():
        for target, line, in_function in edges:
            if in_function and not function_import_allowed(name, target):
                found.append(f"{name}:{line} imports {target}")
    assert sorted(set(found)) == []


def test_modules_and_functions_are_small():
    too_long = []
    for name, path in modules().items():
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > MAX_MODULE_LINES and name not in LONG_MODULES:
            too_long.append(f"{name}: {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                key = f"{name}:{node.name}"
                if length > MAX_FUNCTION_LINES and key not in LONG_FUNCTIONS:
                    too_long.append(f"{key}: {length} lines")
    assert too_long == []


@pytest.mark.parametrize("allowed", [LONG_MODULES, LONG_FUNCTIONS])
def test_every_exception_to_the_size_rule_still_exists_and_says_why(allowed):
    known = modules()
    for key, reason in allowed.items():
        assert reason.strip(), key
        assert key.split(":")[0] in known, f"{key} no longer exists: drop it from the list"
