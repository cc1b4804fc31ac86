"""What several test files share: running the CLI as a user would, the claim files they write, a toy method."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

import sympy as sp

from mdtheory.claimfile import toml_text
from mdtheory.cli import main
from mdtheory.engine.explicit_step import ExplicitStepKernel
from mdtheory.methods import Method, SymbolicStep
from mdtheory.symbolic.mirror_descent import md_step


def run_cli(argv) -> tuple[int, str]:
    """``mdtheory ARGV --no-progress``: its exit code and what it printed, stdout and stderr together."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main([*argv, "--no-progress"])
    return code, out.getvalue()


# The [problem] table of the mirror flow on Euclidean phi and f = x^T A x/2 - b^T x, A = [[2, 1], [1, 2]]
# (eigenvalues 3 along (1, 1), 1 along (1, -1)), x* = (1, 0): from x0 = (3, 0), X(t) - x* = e^{-3t} (1, 1) + e^{-t} (1, -1)
EUCLIDEAN_FLOW_PROBLEM = """
[problem]
kind = "mirror_flow"
variables = ["x1", "x2"]
domain = "reals"
regularizer = "euclidean"
objective = "x1**2 + x1*x2 + x2**2 - 2*x1 - x2"
"""


def saddle_claim_file(tmp_path, problem: dict, run_table: dict, quantity: str, bound: str, steps: int,
                      name: str) -> str:
    """A saddle claim file (``[problem] kind = "saddle"``) at 128 bits, written as ``tmp_path / name``."""
    path = tmp_path / name
    path.write_text(toml_text({
        "problem": {"kind": "saddle", **problem},
        "run": {"steps": steps, "precision_bits": 128, **run_table},
        "claim": {"kind": "upper_bound", "quantity": quantity, "bound": bound},
    }))
    return str(path)


@dataclass(frozen=True)
class RelaxedMirrorDescent(Method):
    """x+ = (1 - a) x + a MD(x): a method no module of mdtheory knows, with a closed-form step (a test registers
    it, or a subclass under another name)."""

    relaxation: sp.Rational = sp.Rational(1, 2)
    name = "toy_relaxed"

    def derive(self, problem):
        x = sp.Matrix(problem.variables)
        step = (1 - self.relaxation) * x + self.relaxation * md_step(problem)
        return SymbolicStep(problem.variables, step, step.jacobian(problem.variables), problem.parameters)

    def kernel(self, problem, oracle=None):
        return ExplicitStepKernel(problem, self.derive(problem), oracle)

    def update_text(self, problem, renaming=None):
        return f"x+ = (1 - {self.relaxation}) x + {self.relaxation} MD(x)"
