"""The package's import structure: no circle, no arrow running back up a floor.

Floors, bottom up: ``nn`` (torch models, no scikit-learn), the samplers and the
encoder (``dgm_resample._*``) beside ``metrics`` (which may use the shared
input handling of ``_validation``, never a sampler), ``benchmark``, ``cli``.
Every import statement counts, also those inside functions.
"""

import ast
import pathlib

import pytest

import dgm_resample

ROOT = pathlib.Path(dgm_resample.__file__).parent


def _module_name(path):
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path):
    """Every module name an import statement of ``path`` refers to."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _graph():
    """Module -> package modules it imports (names of objects mapped to modules)."""
    paths = sorted(ROOT.rglob("*.py"))
    modules = {_module_name(p) for p in paths}
    graph, external = {}, {}
    for path in paths:
        name = _module_name(path)
        targets = _imports(path)
        graph[name] = {t for t in targets if t in modules and t != name}
        external[name] = {t.partition(".")[0] for t in targets if not t.startswith("dgm_resample")}
    return graph, external


def _floor(module):
    parts = module.split(".")
    if len(parts) == 1:
        return "package"
    return {"nn": "nn", "metrics": "metrics", "benchmark": "benchmark", "cli": "cli"}.get(
        parts[1], "samplers"
    )


#: which floors each floor may import from
ALLOWED = {
    "nn": {"nn"},
    "samplers": {"nn", "samplers"},
    "metrics": {"metrics", "samplers"},
    "benchmark": {"package", "nn", "samplers", "metrics", "benchmark"},
    "cli": {"benchmark", "cli"},
    "package": {"samplers", "nn", "metrics"},
}


def test_the_graph_is_read():
    graph, _ = _graph()
    assert "dgm_resample._base" in graph["dgm_resample._vae"]
    assert "dgm_resample.nn.layers" in graph["dgm_resample.nn.vae"]
    assert len(graph) > 30


def test_no_import_circle():
    graph, _ = _graph()
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                pytest.fail("import circle: " + " -> ".join([*path, node, nxt]))
            if nxt not in state:
                visit(nxt, [*path, node])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])


def test_no_arrow_runs_back_up():
    graph, _ = _graph()
    wrong = [
        f"{module} -> {target}"
        for module, targets in graph.items()
        for target in targets
        if _floor(target) not in ALLOWED[_floor(module)]
    ]
    assert not wrong


def test_metrics_use_only_the_shared_input_handling():
    graph, _ = _graph()
    used = {t for m, ts in graph.items() if _floor(m) == "metrics" for t in ts}
    assert {t for t in used if _floor(t) == "samplers"} <= {"dgm_resample._validation"}


def test_the_torch_floor_does_not_import_scikit_learn_or_pandas():
    _, external = _graph()
    for module, names in external.items():
        if _floor(module) == "nn":
            assert not names & {"sklearn", "pandas", "imblearn"}, module
