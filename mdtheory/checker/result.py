"""What a claim returns: its statement, its checks (measured against claimed), and their JSON form."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mdtheory.checker.bounds import HOLDS, INCONCLUSIVE, VIOLATED, CheckResult
from mdtheory.checker.measure import Measurement, float64_departure
from mdtheory.checker.reading import DISPLAY_DIGITS, Figure, Reading
from mdtheory.engine.ladder import agreeing_digits, trusted_or_none
from mdtheory.methods import configured
from mdtheory.symbolic.mirror_descent import MirrorDescent
from mdtheory.verdict import sampled


def md_update_text(md: MirrorDescent, renaming: dict | None = None) -> str:
    """The update the engine runs on ``md``, as its method writes it (``mdtheory.methods``). ``renaming``
    substitutes symbols in the text (online MD: the loss vector c for l_t)."""
    return configured(md).update_text(md, renaming)


@dataclass
class NamedCheck:
    """One check of a claim. ``expected`` is the verdict the claim predicts (a claim may predict that a
    bound fails, e.g. GD beyond the step-size edge)."""

    label: str
    result: CheckResult
    measurement: Measurement | None = None
    expected: str = HOLDS
    update: str | None = None  # the update the run iterated, as text (see ``update_text``)

    @property
    def as_predicted(self) -> bool:
        return self.result.verdict == self.expected

    @property
    def verdict(self) -> str:
        """The check's verdict (``result.verdict``); whether it is the predicted one is ``as_predicted``."""
        return self.result.verdict

    def fields(self) -> list[tuple[str, str]]:
        """The check as (name, text) pairs: its result's fields, with the prediction where the verdict is not
        the predicted one, and the update the run iterated."""
        fields = [("check", self.label)] + self.result.fields()
        if not self.as_predicted:
            fields.insert(2, ("expected", f"{self.expected} (not as the claim predicts)"))
        return fields + ([("update", self.update_text)] if self.update_text is not None else [])

    def _repr_markdown_(self) -> str:
        return fields_markdown(self.fields(), self.result.explanation)

    def __str__(self) -> str:
        return fields_text(self.fields(), self.result.explanation)

    @property
    def update_text(self) -> str | None:
        """The update this check's run iterated: given by whoever built the check (online, policy MD), or
        derived from the measured MD (offline)."""
        if self.update is not None:
            return self.update
        if isinstance(self.measurement, Measurement) and self.measurement.md is not None:
            return md_update_text(self.measurement.md)
        return None  # a measurement from a closed form (claim 3) iterates no MD step


@dataclass
class ClaimReport:
    name: str
    title: str
    statement: str
    checks: list[NamedCheck]
    notes: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)  # Markdown tables of measured constants
    elapsed: float = 0.0
    certified: list[str] = field(default_factory=list)
    # Extra pictures: name -> function writing a PNG to the path it is given (the report calls them).
    figures: dict[str, Callable[[Path], None]] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        """holds when every check came out as the claim predicts; violated when one definitely did not."""
        # a sampled verdict (holds at confidence c) decides nothing exactly: it counts as inconclusive here
        if any(c.result.verdict not in (INCONCLUSIVE, c.expected) and not sampled(c.result.verdict)
               for c in self.checks):
            return VIOLATED
        if all(c.as_predicted for c in self.checks):
            return HOLDS
        return INCONCLUSIVE


def table_cell(text) -> str:
    """Text safe inside a Markdown table cell (claims write their tables of constants with it too)."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A claim's table of constants in Markdown. A cell is text (a label, a verdict, an exact expression), an
    int, or a ``Figure``/``Reading``: every number computed at some precision is a figure, written with at
    most ``DISPLAY_DIGITS`` digits and never more than it trusts (the JSON keeps every trusted digit). A bare
    float, mpf or sympy number is refused, since its text would carry whatever digits it happens to have."""
    def cell(value) -> str:
        if isinstance(value, Figure | Reading):
            return table_cell(value.capped(DISPLAY_DIGITS).text())
        if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            return table_cell(value)
        raise TypeError(f"a table cell is text, an int or a Figure, got {type(value).__name__} {value!r}: wrap "
                        "the number in laddered(), rounded() or exactly()")

    lines = ["| " + " | ".join(map(table_cell, header)) + " |", "|" + "---|" * len(header)]
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"a table row has {len(row)} cells for {len(header)} columns: {row!r}")
        lines.append("| " + " | ".join(cell(value) for value in row) + " |")
    return "\n".join(lines)


def fields_markdown(fields: list[tuple[str, str]], after: str = "") -> str:
    """A result's (name, text) fields as a two-column Markdown table (how results display in Jupyter)."""
    rows = "\n".join(f"| {table_cell(name)} | {table_cell(text)} |" for name, text in fields)
    return "| | |\n|---|---|\n" + rows + (f"\n\n{after}" if after else "")


def fields_text(fields: list[tuple[str, str]], after: str = "") -> str:
    """The same fields as ``name: text`` lines, as the CLI prints a result."""
    return "\n".join([f"{name}: {text}" for name, text in fields] + ([after] if after else []))


SERIES_QUANTITIES = ("separation", "amplification", "tangent_amplification", "objective")


def series_json(m) -> list[dict]:
    """Each recorded step: every quantity as a decimal string of its trusted digits, or null when none is
    trusted, with its trusted digits and, for a null, the absolute bound the ladder gives (``*_at_most``).
    A perturbed pair carries the sensitivity series; any measurement carries its derived quantities."""
    ctx, fine = m.ctx, m.fine
    names = [*(SERIES_QUANTITIES if isinstance(m, Measurement) and m.spec.perturbed else ()), *m.derived]
    columns = {q: (m.values(q), m.digits(q), m.uncertainties(q)) for q in names}
    rows = []
    for i, t in enumerate(fine.t):
        row = {"t": t, "eta_t": ctx.nstr(fine.eta_t[i], 15)}
        for q, (values, digits, uncertainty) in columns.items():
            row[q] = trusted_or_none(ctx, values[i], digits[i])
            if row[q] is None:
                row[f"{q}_at_most"] = ctx.nstr(abs(values[i]) + uncertainty[i], 3)
        row["trusted_digits"] = {q: digits[i] for q, (_, digits, _) in columns.items()}
        rows.append(row)
    return rows


def constants_json(m) -> dict:
    """The instance's constants a bound may name: the value's digits that survive the ladder, and how it was
    obtained."""
    ctx = m.ctx
    out = {}
    for name, (fine, coarse) in sorted(m.constants.items()):
        fine, coarse = ctx.mpf(fine), ctx.mpf(coarse)
        digits = agreeing_digits(coarse, fine, ctx, int(ctx.prec * 0.301) // 2)
        out[name] = {"value": trusted_or_none(ctx, fine, digits), "how": m.provenance.get(name, "")}
    return out


def check_json(check: NamedCheck) -> dict:
    r = check.result
    data = {
        "label": check.label,
        "verdict": r.verdict,
        "expected": check.expected,
        "kind": r.kind,
        "quantity": r.quantity,
        "update": check.update_text,
        "measured": r.measured.text(),
        "claimed": r.claimed.text(),
        "margin": r.margin.text(),
        "trusted_digits": r.trusted_digits,
        # the numbers in measured, claimed and margin, in order, each with what its digits are
        "figures": {name: reading.as_json() for name, reading in
                    (("measured", r.measured), ("claimed", r.claimed), ("margin", r.margin)) if reading.figures},
        "explanation": r.explanation,
        "convexity": r.convexity,
        "rate": r.rate,
        "peak": r.peak,
        **({"extra": r.extra} if r.extra else {}),
    }
    m = check.measurement
    if isinstance(m, Measurement):
        departure = float64_departure(m)
        data["precision_bits"] = [m.ladder.coarse.bits, m.ladder.fine.bits]
        data["float64_departure_eta_t"] = None if departure is None else m.ctx.nstr(departure, 8)
        data["float64_failure"] = m.float_failure
    elif m is not None:
        data["precision_bits"] = list(m.bits)
    if m is not None:
        if m.reference:
            data["reference"] = m.reference
        if m.constants:
            data["constants"] = constants_json(m)
        data["series"] = series_json(m)
    return data


def claim_json(report: ClaimReport) -> dict:
    return {
        "claim": report.name,
        "title": report.title,
        "verdict": report.verdict,
        "statement": report.statement,
        "elapsed_seconds": round(report.elapsed, 2),
        "notes": report.notes,
        "certified": report.certified,
        "checks": [check_json(c) for c in report.checks],
    }
