"""The layers import one way (symbolic <- engine <- checker <- claim language <- claims <- commands), counting
imports inside functions too, and no claim imports another claim. No two modules import each other, however
indirectly, and nothing outside mdtheory/problems/ (mdtheory/methods/) tests a problem's (a method's) type: the
core asks the Problem (Method) protocol (issue 26, item 1)."""

import ast
import textwrap
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mdtheory"
# lower index = lower layer; a module may import its own layer and any layer below
LAYERS = (
    {"errors", "verdict", "processes", "progress", "data", "plotting"},  # shared utilities, no mathematics of MD
    {"symbolic"},
    {"engine", "methods"},  # methods: the update rules, each derived (symbolic) and compiled (engine)
    {"checker"},
    # the claim language, the problem kinds (which read their own tables with it), the theorem library's files,
    # shared constructions
    {"claimfile", "problems", "theorems", "instances"},
    {"claims"},
    {"cli", "commands", "risk", "sweep", "search", "worstcase", "report", "appendix", "notebook", "testing",
     "face", "terminal", "coq", "__init__", "__main__"},  # commands: parsing, searching, reporting, writing proofs
)


def layer_of(part: str) -> int:
    (index,) = [i for i, members in enumerate(LAYERS) if part in members]
    return index


def imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "mdtheory":
            yield node.module, node.lineno
        elif isinstance(node, ast.Import):
            yield from ((a.name, node.lineno) for a in node.names if a.name.split(".")[0] == "mdtheory")


def modules(package: Path = PACKAGE):
    for path in sorted(package.rglob("*.py")):
        yield path, path.relative_to(package).with_suffix("").parts


def upward_imports(package: Path = PACKAGE) -> list[str]:
    upward = []
    for path, parts in modules(package):
        here = layer_of(parts[0])
        for module, line in imports(path):
            target = module.split(".")[1] if "." in module else "__init__"
            if layer_of(target) > here:
                upward.append(f"{'/'.join(parts)}.py:{line} imports {module}")
    return upward


def test_every_module_belongs_to_a_layer():
    for _, parts in modules():
        layer_of(parts[0])


def test_no_import_runs_up_a_layer():
    upward = upward_imports()
    assert not upward, "\n".join(upward)


def test_no_claim_imports_another_claim():
    crossing = [f"{parts[-1]}.py:{line} imports {module}" for path, parts in modules() if parts[0] == "claims"
                for module, line in imports(path) if module.startswith("mdtheory.claims.")]
    assert not crossing, "\n".join(crossing)


def test_an_upward_import_inside_a_function_is_caught(tmp_path):
    (tmp_path / "checker").mkdir()
    (tmp_path / "checker" / "bounds.py").write_text("def f():\n    from mdtheory.report import write_report\n")
    (tmp_path / "engine.py").write_text("from mdtheory.symbolic import model\n")  # downward: allowed
    assert upward_imports(tmp_path) == ["checker/bounds.py:2 imports mdtheory.report"]


# ------------------------------------------------------------------ import cycles
# Import cycles that exist and are another change's to remove; each entry is one strongly connected set of modules.
KNOWN_CYCLES = [
    # CheckResult (bounds.py) renders its fields with result.py's fields_text / fields_markdown, imported inside its
    # methods, while result.py builds on CheckResult: the one verdict type (issue 26, item 3) reshapes CheckResult
    {"mdtheory.checker.bounds", "mdtheory.checker.result"},
]


def module_name(parts: tuple) -> str:
    return ".".join(("mdtheory", *parts[:-1])) if parts[-1] == "__init__" else ".".join(("mdtheory", *parts))


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """module -> the mdtheory modules it imports (at module level or inside functions). ``from P import n``
    counts as importing P.n when that is a module of the package, else P."""
    known = {module_name(parts) for _, parts in modules(package)}
    graph = {name: set() for name in known}
    for path, parts in modules(package):
        edges = graph[module_name(parts)]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                edges.update(a.name for a in node.names if a.name in known)
            elif isinstance(node, ast.ImportFrom) and node.module:
                submodules = {f"{node.module}.{a.name}" for a in node.names} & known
                edges.update(submodules)
                if len(submodules) < len(node.names) and node.module in known:
                    edges.add(node.module)
    for name, edges in graph.items():
        edges.discard(name)
    return graph


def import_cycles(package: Path = PACKAGE) -> list[set[str]]:
    """The strongly connected sets of more than one module (Tarjan's algorithm)."""
    graph = import_graph(package)
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def test_no_import_cycles_beyond_the_known_ones():
    new = [sorted(c) for c in import_cycles() if c not in KNOWN_CYCLES]
    assert not new, "modules that import each other: " + "; ".join(" <-> ".join(c) for c in new)


def test_the_known_cycles_still_exist():
    """An entry whose cycle is gone is removed from KNOWN_CYCLES, so that it cannot come back unseen."""
    cycles = import_cycles()
    assert all(known in cycles for known in KNOWN_CYCLES), cycles


def test_an_indirect_cycle_through_a_function_level_import_is_caught(tmp_path):
    (tmp_path / "checker").mkdir()
    (tmp_path / "checker" / "__init__.py").write_text("")
    (tmp_path / "checker" / "claim.py").write_text("from mdtheory import claimfile\n")
    (tmp_path / "claimfile.py").write_text("from mdtheory.problems import register\n")
    (tmp_path / "problems.py").write_text("def f():\n    from mdtheory.checker.claim import Claim\n")
    (tmp_path / "engine.py").write_text("from mdtheory.checker import claim\n")  # into the cycle, not part of it
    assert import_cycles(tmp_path) == [{"mdtheory.checker.claim", "mdtheory.claimfile", "mdtheory.problems"}]


# ------------------------------------------------------------------ no dispatch on a problem's or a method's type
PLUG_INS = {"problems": "Problem", "methods": "Method"}  # folder -> its protocol


def plug_in_classes(package: Path = PACKAGE, folder: str = "problems") -> set[str]:
    """The protocol and every other class defined in mdtheory/<folder>/ (the plug-ins, and any helper class there)."""
    names = {PLUG_INS[folder]}
    for path in sorted((package / folder).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                names.add(node.name)
    return names


def _named(node) -> set[str]:
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.Attribute):
        return {node.attr}
    if isinstance(node, ast.Tuple):
        return set().union(*map(_named, node.elts))
    return set()


def type_tests_on(package: Path = PACKAGE, folder: str = "problems") -> list[str]:
    """isinstance / issubclass calls naming a class of mdtheory/<folder>/, and ``type(x) is / == ...`` comparisons
    with one, outside that folder."""
    classes = plug_in_classes(package, folder)
    found = []
    for path, parts in modules(package):
        if parts[0] == folder:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            named = set()
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("isinstance", "issubclass") and len(node.args) == 2):
                named = _named(node.args[1])
            elif (isinstance(node, ast.Compare) and isinstance(node.left, ast.Call)
                    and isinstance(node.left.func, ast.Name) and node.left.func.id == "type"):
                named = set().union(*map(_named, node.comparators))
            for name in sorted(named & classes):
                found.append((parts, node.lineno, name))
    return [f"{'/'.join(parts)}.py:{line} tests for {name}" for parts, line, name in sorted(found)]


@pytest.mark.parametrize("folder", PLUG_INS)
def test_no_module_outside_a_plug_in_folder_tests_a_plug_ins_type(folder):
    found = type_tests_on(PACKAGE, folder)
    assert not found, f"ask the {PLUG_INS[folder]} protocol instead:\n" + "\n".join(found)


def test_every_built_in_plug_in_is_seen_by_the_type_test():
    assert {"Problem", "OfflineProblem", "OnlineProblem", "PolicyProblem"} <= plug_in_classes(PACKAGE, "problems")
    assert {"Method", "PlainMirrorDescent"} <= plug_in_classes(PACKAGE, "methods")


def test_a_type_test_on_a_problem_is_caught(tmp_path):
    (tmp_path / "problems").mkdir()
    (tmp_path / "problems" / "toy.py").write_text("class ToyProblem(Problem):\n    pass\n")
    (tmp_path / "problems" / "__init__.py").write_text("def f(p):\n    return isinstance(p, ToyProblem)\n")
    (tmp_path / "cli.py").write_text(textwrap.dedent("""\
        def f(problem, other):
            if isinstance(other, dict):
                return isinstance(problem, (int, problems.toy.ToyProblem))
            return type(problem) is ToyProblem
        """))
    assert type_tests_on(tmp_path, "problems") == ["cli.py:3 tests for ToyProblem", "cli.py:4 tests for ToyProblem"]
