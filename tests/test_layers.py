"""The layers import one way (symbolic <- engine <- checker <- claim language <- claims <- commands), counting
imports inside functions too, and no claim imports another claim."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "mdtheory"
# lower index = lower layer; a module may import its own layer and any layer below
LAYERS = (
    {"errors", "verdict", "processes", "progress", "data", "plotting"},  # shared utilities, no mathematics of MD
    {"symbolic"},
    {"engine", "methods"},  # methods: the update rules, each derived (symbolic) and compiled (engine)
    {"checker"},
    {"claimfile", "theorems", "instances"},  # the claim language, the theorem library's files, shared constructions
    {"claims"},
    {"cli", "risk", "sweep", "falsify", "falsify_theorems", "worstcase", "report", "appendix", "notebook", "testing",
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
