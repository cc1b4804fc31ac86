"""The verify report: a Markdown summary, JSON per claim (the check schema), and a PNG plot per claim."""

from __future__ import annotations

import json
import math
from pathlib import Path

from mdtheory.checker.result import ClaimReport, claim_json, table_cell
from mdtheory.plotting import saved_figure
from mdtheory.theorems import is_library_claim


def _log10(ctx, value) -> float:
    try:
        return float(ctx.log10(value)) if value > 0 else math.nan
    except (TypeError, ValueError):
        return math.nan


MAX_PANELS = 12
FLOAT64_SERIES = ("separation", "amplification", "objective")  # the quantities the float64 twin records


def plot_claim(report: ClaimReport, path: Path) -> Path | None:
    """The measured quantity against eta*T on a log scale, with float64 and every claimed bound drawn;
    one panel per measured run, all checks on that run overlaid."""
    from matplotlib import colormaps

    panels: dict[tuple, list] = {}
    for check in report.checks:
        if check.measurement is not None:
            panels.setdefault((id(check.measurement), check.result.quantity), []).append(check)
    panels = dict(list(panels.items())[:MAX_PANELS])
    if not panels:
        return None
    cols = min(3, len(panels))
    rows = math.ceil(len(panels) / cols)
    with saved_figure(path, rows, cols, (5.4 * cols, 3.8 * rows), squeeze=False) as (fig, axes):
        for ax, ((_, quantity), checks) in zip(axes.flat, panels.items()):
            m = checks[0].measurement
            ctx = m.ctx
            eta_t = [float(s) for s in m.fine.eta_t]
            bits = m.bits[1] if isinstance(getattr(m, "bits", None), tuple) else m.fine.bits
            ax.plot(eta_t, [_log10(ctx, v) for v in m.values(quantity)], lw=2, label=f"{quantity} ({bits} bits)")
            float_run = getattr(m, "float_run", None)  # a series measurement has no float64 twin
            if quantity in FLOAT64_SERIES and float_run is not None:
                floats = [float(v) for v in getattr(float_run, quantity)]
                ax.plot(eta_t, [math.log10(v) if v > 0 else math.nan for v in floats], ":", lw=1.4, color="gray",
                        label="float64")
            for k, check in enumerate(checks):
                curve = check.result.bound_curve
                if curve:
                    ax.plot([float(s) for s, _ in curve], [_log10(ctx, b) for _, b in curve], "--", lw=1.2,
                            color=colormaps["Set1"](k % 9), label=f"claimed: {check.result.kind}")
            off = [c for c in checks if not c.as_predicted]
            title = checks[0].label.split(":")[0]
            verdicts = ", ".join(f"{c.result.kind} {c.result.verdict}" for c in checks)
            ax.set_title(f"{title}\n{verdicts}", fontsize=8, color="crimson" if off else "black")
            ax.set_xlabel("eta * T")
            ax.set_ylabel(f"log10 {quantity}")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=6.5)
        for ax in list(axes.flat)[len(panels):]:
            ax.axis("off")
        fig.suptitle(f"{report.name}: {report.title} ({report.verdict})", fontsize=11)
    return path


def summary_rows(reports: list[ClaimReport]) -> list[tuple]:
    rows = []
    for report in reports:
        for check in report.checks:
            r = check.result
            label = check.label + (" [certified]" if check.label in report.certified else "")
            rows.append((report.name, label, r.verdict, check.expected, r.measured.text(), r.claimed.text(),
                         r.margin.text(), r.trusted_digits, report.elapsed))
    return rows


def render_claim(report: ClaimReport, out: Path) -> str:
    """Writes the claim's JSON and pictures into ``out``; returns its Markdown section of report.md."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{report.name}.json").write_text(json.dumps(claim_json(report), indent=2))
    image = plot_claim(report, out / f"{report.name}.png")
    lines = ["", f"## {report.name}: {report.title}", "", f"Verdict: **{report.verdict}**", "",
             "```text", report.statement.strip(), "```", "",
             "| check | verdict | expected | measured | claimed | margin | trusted digits |",
             "|---|---|---|---|---|---|---|"]
    for check in report.checks:
        r = check.result
        mark = " (certified)" if check.label in report.certified else ""
        lines.append(f"| {table_cell(check.label)}{mark} | {r.verdict} | {check.expected} | {table_cell(r.measured)} | "
                     f"{table_cell(r.claimed)} | {table_cell(r.margin)} | {r.trusted_digits} |")
    updates: dict[str, list[str]] = {}  # each update run, with the checks that ran it
    for check in report.checks:
        if check.update_text is not None:
            updates.setdefault(check.update_text, []).append(check.label)
    if updates:
        lines += ["", "Updates run:"] + [f"- `{text}` ({'; '.join(labels) if len(updates) > 1 else 'every check'})"
                                          for text, labels in updates.items()]
    for table in report.tables:
        lines += ["", table]
    if report.notes:
        lines += [""] + [f"- {note}" for note in report.notes]
    if image is not None:
        lines += ["", f"![{report.name}]({image.name})"]
    for key, draw in report.figures.items():
        figure = out / f"{report.name}-{key}.png"
        draw(figure)
        lines += ["", f"![{report.name}: {key}]({figure.name})"]
    return "\n".join(lines)


def write_summary(claims: list[tuple[str, str, float, str]], out: Path) -> Path:
    """report.md from (name, verdict, seconds, section) per claim, in the order given."""
    lines = ["# mdtheory verify report", "",
             "Verdicts compare measured values, carrying only digits that survived a precision doubling, "
             "with the claimed bounds.", "",
             "| claim | verdict | time (s) |", "|---|---|---|"]
    lines += [f"| {name} | **{verdict}** | {seconds:.1f} |" for name, verdict, seconds, _ in claims]
    paper = [section for name, _, _, section in claims if not is_library_claim(name)]
    library = [section for name, _, _, section in claims if is_library_claim(name)]
    if paper and library:
        lines += ["", "# The paper's claims and the practice questions"]
    lines += paper
    if library:
        lines += ["", "# The theorem library", "",
                  "Published MD theorems as claim files (mdtheory/theorems): each true instance must hold, each "
                  "planted-false twin must be violated."]
    lines += library
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def write_report(reports: list[ClaimReport], out: Path) -> Path:
    return write_summary([(r.name, r.verdict, r.elapsed, render_claim(r, out)) for r in reports], out)
