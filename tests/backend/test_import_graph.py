"""The backend's import graph: no cycles, and no module importing a layer above its own.

Every import counts, the ones inside functions too (a lazy import is still a dependency). Layers, bottom
to top: the shared basics, the stages (speech < face < a2f and head), the output writer, the pipeline,
then the entries (service, commands, cli).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "unitaf_backend"
ROOT = Path(__file__).resolve().parents[2] / "backend" / PACKAGE

# top-level part of the package -> layer; a module may import its own layer or lower ones only
LAYERS: dict[str, int] = {
    "__init__": 0, "errors": 0, "channels": 0, "emotion": 0, "audio": 0, "memory": 0,
    "speech": 1, "face": 2, "prosody_emotion": 2, "a2f": 3, "head": 3, "keymaker": 3, "output": 4, "cache": 4,
    "pipeline": 5, "service": 6, "cluster": 7, "commands": 7, "cli": 8, "__main__": 9,
}
STAGES = ("a2f", "face", "speech")   # never import anything of ABOVE_STAGES
ABOVE_STAGES = ("pipeline", "service", "commands")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules `name` imports (a `from X import y` of a submodule y counts as X.y)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            targets = [f"{prefix}.{a.name}" if f"{prefix}.{a.name}" in known else prefix for a in node.names]
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            targets = [node.args[0].value]
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name and t.startswith(PACKAGE):
                found.add(t)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def part(name: str) -> str:
    """The layer a module belongs to; any `__main__` (`python -m ...`) is an entry at the very top."""
    if name.endswith(".__main__"):
        return "__main__"
    rest = name.split(".")[1:]
    return rest[0] if rest else "__init__"


def find_cycle(g: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(g.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state and (c := visit(m)):
                return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(g):
        if n not in state and (c := visit(n)):
            return c
    return None


def test_the_graph_is_read():
    g = graph()
    assert "unitaf_backend.pipeline.recording" in g
    assert "unitaf_backend.a2f.align" in g["unitaf_backend.pipeline.recording"]
    unplaced = sorted({part(n) for n in g} - set(LAYERS))
    assert not unplaced, f"give these parts of the backend a layer in LAYERS: {unplaced}"


def test_no_import_cycles():
    cycle = find_cycle(graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_stages_import_nothing_above_them():
    bad = [f"{a} imports {b}" for a, deps in graph().items() if part(a) in STAGES
           for b in deps if part(b) in ABOVE_STAGES]
    assert not bad, bad


def test_no_module_imports_a_layer_above_its_own():
    bad = [f"{a} imports {b}" for a, deps in graph().items() for b in deps
           if LAYERS[part(b)] > LAYERS[part(a)]]
    assert not bad, bad


def test_the_checker_sees_a_cycle_and_an_upward_import():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    assert LAYERS[part("unitaf_backend.pipeline.mouth")] > LAYERS[part("unitaf_backend.a2f.infer")]
