"""One verdict vocabulary, and library modules that never print.

Both rules are checked on the source with ``ast`` (so that a new module is held to them the day it is added),
and the verdicts the commands print on small examples are checked to be members of ``Verdict``."""

import ast
import functools
import re
from pathlib import Path

import pytest

import mdtheory
from mdtheory.cli import main
from mdtheory.verdict import Verdict

PACKAGE = Path(mdtheory.__file__).parent
VERDICT_MODULE = PACKAGE / "verdict.py"
VERDICT_WORDS = {v.value for v in Verdict}
# The command layer: what parses arguments, prints and writes files (cli.py, and terminal.py: what verify shows
# on a terminal). Everything else is a library module. progress.py is the progress display a command creates
# and hands down; it writes only to the stream it is given.
PRINTING_ALLOWED = {PACKAGE / "cli.py", PACKAGE / "terminal.py", PACKAGE / "progress.py",
                    *(PACKAGE / "commands").glob("*.py")}
# A string that names a field of a mapping is not a verdict: {"proved": ...} and result.pop("proved") are keys.
MAPPING_METHODS = {"get", "pop", "setdefault"}


def modules():
    return sorted(PACKAGE.rglob("*.py"))


def shown(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent)) if path.is_relative_to(PACKAGE.parent) else path.name


@functools.cache  # both scans read every module: parsed once
def parsed(path: Path) -> tuple[ast.AST, dict]:
    tree = ast.parse(path.read_text(), filename=str(path))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    return tree, parents


def is_mapping_key(node: ast.AST, parents: dict) -> bool:
    parent = parents.get(node)
    if isinstance(parent, ast.Dict) and any(key is node for key in parent.keys):
        return True
    if isinstance(parent, ast.Subscript) and parent.slice is node:
        return True
    return (isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute)
            and parent.func.attr in MAPPING_METHODS and node in parent.args)


def in_text(node: ast.AST, parents: dict) -> bool:
    """Inside an f-string: prose shown to a reader, not a value compared or stored."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.JoinedStr):
            return True
    return False


def verdict_literals(path: Path) -> list[str]:
    """Every verdict word spelled as a string literal where it is a value: compared, assigned, returned, passed."""
    tree, parents = parsed(path)
    return [f"{shown(path)}:{node.lineno}: {node.value!r}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value in VERDICT_WORDS
            and not is_mapping_key(node, parents) and not in_text(node, parents)]


def prints(path: Path) -> list[str]:
    """print(...), a rich console's .print(...), traceback.print_exc(...) and any use of sys.stdout/sys.stderr."""
    tree, _ = parsed(path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Name) and func.id in ("print", "pprint")) or (
                    isinstance(func, ast.Attribute) and func.attr in ("print", "print_exc", "print_exception",
                                                                       "print_stack", "pprint")):
                found.append(f"{shown(path)}:{node.lineno}: {ast.unparse(func)}(...)")
        if (isinstance(node, ast.Attribute) and node.attr in ("stdout", "stderr", "__stdout__", "__stderr__")
                and isinstance(node.value, ast.Name) and node.value.id == "sys"):
            found.append(f"{shown(path)}:{node.lineno}: sys.{node.attr}")
    return found


def test_the_scans_see_what_they_forbid(tmp_path):
    """The scans themselves can fail: a module that spells a verdict or prints is caught, a mapping key or an
    f-string's prose is not."""
    source = tmp_path / "sample.py"
    source.write_text('import sys\nverdict = "holds"\nif x == "not falsified":\n    print(x)\n'
                      'ok = {"proved": True}\nd.pop("proved")\nnote = f"{\'proved\' if p else \'not\'}"\n'
                      'sys.stderr.write("x")\nconsole.print(1)\n')
    assert [hit.split(": ", 1)[1] for hit in verdict_literals(source)] == ["'holds'", "'not falsified'"]
    assert sorted(int(hit.split(":")[1]) for hit in prints(source)) == [4, 8, 9]


def test_only_the_verdict_module_spells_a_verdict():
    offenders = [hit for path in modules() if path != VERDICT_MODULE for hit in verdict_literals(path)]
    assert not offenders, "use mdtheory.verdict.Verdict instead of these string literals:\n" + "\n".join(offenders)


def test_library_modules_never_print():
    offenders = [hit for path in modules() if path not in PRINTING_ALLOWED for hit in prints(path)]
    assert not offenders, ("library modules return text; the command (cli.py) prints it. Found:\n"
                           + "\n".join(offenders))


def test_every_verdict_documents_what_it_claims():
    doc = mdtheory.verdict.__doc__
    for verdict in Verdict:
        assert f"``{verdict.value}``:" in doc, f"{verdict.value} is not documented in mdtheory/verdict.py"
    assert Verdict.NOT_FALSIFIED != Verdict.HOLDS and "not ``holds``" in doc


GD = """
[problem]
variables = ["x"]
domain = "reals"
regularizer = "euclidean"
objective = "3*x**2/2"

[run]
x0 = ["1"]
direction = ["1"]
eps = "1e-12"
eta = "{eta}"
steps = 6
precision_bits = 64

[claim]
kind = "upper_bound"
bound = "1"
"""


def printed_verdicts(text: str) -> list[str]:
    return re.findall(r"^verdict: (.*)$", text, flags=re.MULTILINE)


@pytest.mark.parametrize("eta, expected", [("1/3", "holds"), ("1", "violated")])
def test_check_prints_a_verdict_of_the_type(tmp_path, capsys, eta, expected):
    path = tmp_path / "gd.toml"
    path.write_text(GD.format(eta=eta))
    main(["check", str(path), "--no-progress"])
    verdicts = printed_verdicts(capsys.readouterr().out)
    assert verdicts == [expected] and all(v in VERDICT_WORDS for v in verdicts)

    from mdtheory.checker.claim import check_claim
    from mdtheory.claimfile import load_claim

    claim = load_claim(path)
    assert isinstance(claim.expected, Verdict)
    assert isinstance(check_claim(claim).result.verdict, Verdict)


@pytest.mark.parametrize("top, expected", [("3", Verdict.VIOLATED), ("1/2", Verdict.NOT_FALSIFIED)])
def test_falsify_prints_a_verdict_of_the_type(tmp_path, capsys, top, expected):
    """GD on 3x^2/2 amplifies exactly when eta > 2/3: a range reaching eta = 3 is falsified, one that stops at
    eta = 1/2 is not (which is not holds)."""
    path = tmp_path / "gd.toml"
    path.write_text(GD.format(eta="1/3") + f'\n[search]\neta = ["1/10", "{top}"]\ncandidates = 200\nseconds = 20\n')
    main(["falsify", str(path), "--no-progress", "--witness", str(tmp_path / "w.toml")])
    verdicts = printed_verdicts(capsys.readouterr().out)
    assert verdicts == [expected] and all(v in VERDICT_WORDS for v in verdicts)


def test_worst_case_prints_verdicts_of_the_type(tmp_path, capsys):
    path = tmp_path / "wc.toml"
    path.write_text('[worst_case]\nmethod = "gd"\neta = "11/5"\nhorizons = [2]\n\n[claim]\nbound = "1"\n'
                    'expected = "violated"\n')
    assert main(["worst-case", str(path), "--no-progress"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    row_verdict = out[2].split()[-1]
    claim_verdict = re.match(r"claim amplification <= 1: (\S+) \(expected (\S+)\)", out[-1]).groups()
    assert row_verdict in VERDICT_WORDS and set(claim_verdict) <= VERDICT_WORDS
    assert (row_verdict, *claim_verdict) == ("violated", "violated", "violated")

    from mdtheory.checker.worst_case import check_class_claim
    from mdtheory.worstcase import load_class_claim

    claim = load_class_claim(path)
    result = check_class_claim(claim)
    assert isinstance(claim.expected, Verdict) and isinstance(result.verdict, Verdict)
    assert all(isinstance(v, Verdict) for v in result.verdicts)
