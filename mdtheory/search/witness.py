"""What a falsify search hands back: the witness it found (as exact values, each with its decimal, and as a
claim file that ``mdtheory check`` reproduces), the result of the search, its JSON and its figure.

Two witnesses, by what the instance is: ``Witness`` for a perturbed pair (a RunSpec: start, direction, eps,
step size, parameters; certified in ball arithmetic where the step has a closed form) and ``TheoremWitness``
for any other quantity (the point of the range the problem was put at; confirmed on the precision ladder).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from mdtheory.checker.reading import Reading, exactly, joined, reading, rounded
from mdtheory.claimfile import ClaimFile, toml_text
from mdtheory.engine.context import working_context
from mdtheory.engine.run import RunSpec
from mdtheory.verdict import Verdict

DECIMAL_DIGITS = 15  # a witness's fraction is shown with its decimal to this many significant digits (as many as
                     # a candidate keeps, SIGNIFICANT, so a decimal-born value's decimal is the value itself)
DECIMAL_BITS = 64  # the context that rounds it (15 digits need 50 bits)
SCREEN_DIGITS = 6  # a float64 screen's closest point is shown to this many significant digits (the JSON keeps all)


@dataclass
class Witness:
    spec: RunSpec
    measured: Reading
    claimed: Reading
    trusted_digits: int
    certified: bool
    at_t: int
    float_ratio: float
    claim_text: str = ""  # the witness as a claim file (``witness_file``)
    variant: str = ""  # the structural choice it was found at

    def values(self) -> list[tuple[str, Reading]]:
        """(name, exact value with its decimal) of what the witness chose: x0, direction, eta, parameters."""
        spec = self.spec
        return ([("x0", exact_vector(spec.x0)), ("direction", exact_vector(spec.direction)),
                 ("eta", with_decimal(spec.eta))]
                + ([("parameters", exact_vector(spec.parameters))] if spec.parameters else []))

    def describe(self) -> list[str]:
        return ["witness: " + ", ".join(f"{name} = {value}" for name, value in self.values())
                + (f", {self.variant}" if self.variant else ""),
                f"measured: {self.measured}", f"claimed: {self.claimed}", f"trusted digits: {self.trusted_digits}",
                "certified: " + ("yes, in ball arithmetic (arb): the amplification's ball lies above the bound at "
                                 f"t = {self.at_t}" if self.certified else "no (confirmed on the precision ladder only)")]

    def as_json(self) -> dict:
        spec = self.spec
        return {"x0": [str(v) for v in spec.x0], "direction": [str(v) for v in spec.direction], "eta": str(spec.eta),
                "parameters": [str(v) for v in spec.parameters], "eps": str(spec.eps), "steps": spec.steps,
                "measured": self.measured.text(), "claimed": self.claimed.text(), "trusted_digits": self.trusted_digits,
                "certified": self.certified, "first_violation_t": self.at_t, "float64_ratio": self.float_ratio,
                **({"variant": self.variant} if self.variant else {})}


def with_decimal(value) -> Reading:
    """An exact value as itself, with its decimal beside it unless it is an integer:
    ``219999999999781/100000000000000 (2.19999999999781)``."""
    value = sp.sympify(value) if isinstance(value, int) else value  # only ints and sympy numbers come here
    if value.is_Integer:
        return reading(exactly(value))
    ctx = working_context(DECIMAL_BITS)  # nstr writes 1/5 as 0.2, not 0.200000000000000
    decimal = ctx.mpf(value.p) / value.q if value.is_Rational else ctx.mpf(sp.N(value, DECIMAL_DIGITS + 5))
    return reading(exactly(value), " (", rounded(decimal, DECIMAL_DIGITS, ctx), ")")


def exact_vector(values) -> Reading:
    return reading("(") + joined(", ", map(with_decimal, values)) + reading(")")


def witness_comments(values: list[tuple[str, Reading]], variant: str = "") -> str:
    """The head of a witness claim file: what falsify chose, each fraction with its decimal."""
    lines = ["# a counterexample found by mdtheory falsify: mdtheory check on this file reproduces the violation"]
    lines += [f"# {name} = {value}" for name, value in values] + ([f"# {variant}"] if variant else [])
    return "\n".join(lines) + "\n\n"


@dataclass
class FalsifyResult:
    verdict: Verdict  # violated or not falsified
    candidates: int
    refined: int
    confirmed_on_ladder: int
    discarded: int  # float64 violations the ladder did not confirm
    best_ratio: float  # the largest measured / claimed seen in float64
    best: dict
    witness: Witness | None
    seconds: float
    steps_per_second: float  # MD steps (with the tangent) per second in the screening passes
    vectorized: bool
    completed: int = 0  # drawn candidates whose float64 run finished inside the domain
    history: list = field(default_factory=list)  # (candidates so far, best ratio so far)
    top_ratios: list = field(default_factory=list)
    screen: str = ""  # how candidates were screened, when not the vectorized float64 pass
    screen_engine: str = ""  # which float64 screen ran (Screen.engine_note)

    def screening(self) -> str:
        if self.screen:
            return self.screen
        engine = self.screen_engine or ('vectorized' if self.vectorized else 'one at a time')
        return f"float64 ({engine}, {self.steps_per_second:.3g} MD steps/s)"

    def summary(self) -> str:
        lines = [f"verdict: {self.verdict}",
                 f"candidates: {self.candidates} screened in {self.screening()}, {self.refined} refined, "
                 f"{self.confirmed_on_ladder} taken to the precision ladder, {self.discarded} screened violations "
                 "discarded (not confirmed)",
                 f"closest approach (screen): measured/claimed = {self.best_ratio:.6g} at {screened_point(self.best)}"]
        if self.witness is not None:
            lines += self.witness.describe()
        else:
            if self.completed == 0:
                lines.append("none of the drawn candidates could be measured (every trajectory overflowed, left the "
                             "domain or contradicted the claim's constants): this range was not searched at all; "
                             "narrow it")
            lines.append("nothing was found, which proves nothing: the claim is not falsified, not proved")
        return "\n".join(lines)

    __str__ = summary

    def fields(self) -> list[tuple[str, str]]:
        """The verdict, the search and the witness (its readings' own text) as (name, text) pairs."""
        fields = [("verdict", self.verdict), ("candidates", f"{self.candidates} screened in {self.screening()}, "
                                                            f"{self.refined} refined, {self.confirmed_on_ladder} taken "
                                                            "to the precision ladder"),
                  ("closest approach (screen)", f"measured/claimed = {self.best_ratio:.6g} at {screened_point(self.best)}")]
        if self.witness is None:
            return fields
        witness = self.witness
        return fields + [("witness", witness.describe()[0].removeprefix("witness: ")),
                         ("measured", witness.measured.text()), ("claimed", witness.claimed.text()),
                         ("trusted digits", str(witness.trusted_digits)),
                         ("certified", "yes, in ball arithmetic (arb)" if witness.certified
                          else "no (precision ladder only)")]

    def _repr_markdown_(self) -> str:
        from mdtheory.checker.result import fields_markdown

        return fields_markdown(self.fields(), "" if self.witness else "nothing was found, which proves nothing: "
                                                                       "not falsified, not proved")



def witness_file(claim: ClaimFile, witness: Witness) -> str:
    """A claim file for the witness, without [search]: ``mdtheory check`` on it reproduces the verdict."""
    problem = dict(claim.problem_table)
    if claim.md.parameters:
        values = dict(zip(claim.md.parameters, witness.spec.parameters))
        renaming = dict(zip(claim.md.regularizer.variables, (sp.Symbol(name) for name in problem["variables"])))
        problem["objective"] = str(claim.md.objective.expr.subs(values).xreplace(renaming))
    run = {"x0": [str(v) for v in witness.spec.x0], "direction": [str(v) for v in witness.spec.direction],
           "eps": str(witness.spec.eps), "eta": str(witness.spec.eta), "steps": witness.spec.steps,
           "precision_bits": claim.bits, "backend": claim.backend}
    return witness_comments(witness.values()) + toml_text({"problem": problem, "run": run, "claim": claim.claim_table})


def result_json(result: FalsifyResult) -> dict:
    data = {key: getattr(result, key) for key in ("verdict", "candidates", "completed", "refined", "confirmed_on_ladder",
                                                 "discarded", "best_ratio", "best", "seconds", "steps_per_second",
                                                 "vectorized", "history", "top_ratios")}
    data["screen"] = result.screening()
    data["screen_engine"] = result.screen_engine
    data["witness"] = None if result.witness is None else result.witness.as_json()
    return data


def falsify_figure(result: FalsifyResult):
    """Left: the best measured / claimed (float64) against the candidates screened; right: the finalists'
    ratios. The line at 1 is where measured = claimed; a flat history is drawn flat, with room."""
    from matplotlib.figure import Figure

    from mdtheory.plotting import legend_of_drawn, pad_flat

    fig = Figure(figsize=(10, 3.8))
    left, right = fig.subplots(1, 2)
    for ax in (left, right):
        ax.set_yscale("log")
        ax.axhline(1, color="k", linestyle="--", linewidth=1, label="measured = claimed")
    if result.history:
        counts, best = zip(*result.history)
        left.plot(counts, best, marker=".", label="best so far (float64)")
    left.set_xlabel("candidates screened")
    left.set_ylabel("best measured / claimed (float64)")
    pad_flat(left, log_axis=True)
    legend_of_drawn(left)
    if result.top_ratios:
        right.plot(range(1, len(result.top_ratios) + 1), result.top_ratios, "o", label="finalist")
    right.set_xlabel("finalist (by float64 ratio)")
    right.set_ylabel("measured / claimed")
    pad_flat(right, log_axis=True)
    right.set_title(f"verdict: {result.verdict}" + (" (certified)" if result.witness and result.witness.certified else ""))
    return fig


def plot(result: FalsifyResult, path) -> None:
    from mdtheory.plotting import save

    save(falsify_figure(result), path)


@dataclass
class TheoremWitness:
    """An explicit instance violating the bound, confirmed on the claim's own precision ladder."""

    instance: dict  # exact values as text: eta, x0, parameters, the structural choice
    measured: Reading
    claimed: Reading
    trusted_digits: int
    at_t: int
    float_ratio: float  # measured / claimed at the screening precision
    claim_text: str  # the witness as a claim file
    certified: bool = False  # not enclosed in ball arithmetic: confirmed on the ladder
    variant: str = ""  # the structural choice it was found at (also in ``instance``)

    def describe(self) -> list[str]:
        return ["witness: " + ", ".join(f"{k} = {v}" for k, v in instance_values(self.instance)),
                f"measured: {self.measured}", f"claimed: {self.claimed}", f"trusted digits: {self.trusted_digits}",
                "certified: no (confirmed on the precision ladder; this quantity is not enclosed in ball arithmetic)"]

    def as_json(self) -> dict:
        return {**self.instance, "measured": self.measured.text(), "claimed": self.claimed.text(),
                "trusted_digits": self.trusted_digits, "certified": self.certified, "first_violation_t": self.at_t,
                "screen_ratio": self.float_ratio}


def instance_text(problem, point: dict, label: str = "") -> dict:
    """A point of a claim's range as text: its step size, its start if searched, its parameters by name, and the
    structural choice it belongs to."""
    text = {} if point["eta"] is None else {"eta": str(point["eta"])}
    if point["x0"] is not None:
        text["x0"] = [str(v) for v in point["x0"]]
    text.update({str(name): str(v) for name, v in zip(problem.parameters, point["parameters"])})
    if label:
        text["variant"] = label
    return text


def instance_values(instance: dict) -> list[tuple[str, Reading | str]]:
    """(name, value) of an instance (``instance_text``): each exact number with its decimal beside it."""
    return [(k, v if k == "variant" else exact_vector(map(_exact, v)) if isinstance(v, list) else
             with_decimal(_exact(v))) for k, v in instance.items()]


def _exact(text: str) -> sp.Rational:
    """An instance value back from the text it was written as (an exact rational this module wrote)."""
    value = Fraction(text)
    return sp.Rational(value.numerator, value.denominator)


def screened_point(best: dict) -> str:
    """Where the screen came closest, readably: a float64 candidate (``describe`` of the perturbed-pair screen:
    coordinates by variable name) to SCREEN_DIGITS digits, an exact point (``instance_text``) as exact values with
    their decimals, the structural choice by its label."""
    parts = []
    for name, value in best.items():
        if name == "variant":
            parts.append(str(value))
        elif name == "parameters" and isinstance(value, dict):
            parts += [f"{parameter} = {_screened(v)}" for parameter, v in value.items()]
        elif isinstance(value, dict | float):
            parts.append(f"{name} = {_screened(value)}")
        else:
            parts.append(f"{name} = {dict(instance_values({name: value}))[name]}")
    return ", ".join(parts)


def _screened(value) -> str:
    if isinstance(value, dict):
        return "(" + ", ".join(map(_screened, value.values())) + ")"
    return rounded(float(value), SCREEN_DIGITS).text()


def witness_tables_text(tables: dict, problem, point: dict, label: str = "") -> str:
    """The witness as a claim file, without [search] or [twin], predicting holds: ``mdtheory check`` on it
    reports the violation (exit 1)."""
    data = {section: dict(table) for section, table in tables.items() if section not in ("search", "twin")}
    if point["eta"] is not None:
        data["run"]["eta"] = str(point["eta"])
    if point["x0"] is not None:
        data["run"]["x0"] = [str(v) for v in point["x0"]]
    data["problem"] = problem.witness_problem_table(data["problem"], point["parameters"])
    data["claim"] = {k: v for k, v in data["claim"].items() if k != "expected"}
    return witness_comments(instance_values(instance_text(problem, point, label))) + toml_text(data)
