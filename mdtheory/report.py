"""The verify report: a Markdown summary, JSON per claim (the check schema), and a PNG plot per claim."""

from __future__ import annotations

import json
import math
from pathlib import Path

from mdtheory.checker.result import ClaimReport, claim_json, table_cell
from mdtheory.theorems import is_library_claim
from mdtheory.verdict import HOLDS


def _log10(ctx, value) -> float:
    try:
        return float(ctx.log10(value)) if value > 0 else math.nan
    except (TypeError, ValueError):
        return math.nan


PANELS_PER_FIGURE = 12  # 4 rows of 3 stay legible in one PNG; more panels go on further figures, none dropped
PANEL_COLUMNS = 3
FLOAT64_SERIES = ("separation", "amplification", "objective")  # the quantities the float64 twin records


def _panels(report: ClaimReport) -> dict[tuple, list]:
    """The checks on measured runs, grouped by run and quantity: one panel each, its checks overlaid."""
    panels: dict[tuple, list] = {}
    for check in report.checks:
        if check.measurement is not None:
            panels.setdefault((id(check.measurement), check.result.quantity), []).append(check)
    return panels


def check_title(check) -> str:
    """A check's kind and verdict, with what it predicts where that is not holds: a planted-false twin reads
    "planted-false twin, predicted violated: violated", never a bare verdict that looks like a failure."""
    r = check.result
    if check.expected == HOLDS:
        return f"{r.kind}: {r.verdict}" + ("" if check.as_predicted else " (!) expected holds")
    what = "planted-false twin, " if check.label.endswith("(twin)") else f"{r.kind}, "
    return f"{what}predicted {check.expected}: {r.verdict}" + ("" if check.as_predicted else " (!)")


def _draw_panel(ax, quantity: str, checks: list) -> None:
    from matplotlib import colormaps

    from mdtheory.plotting import legend_of_drawn, pad_flat

    m = checks[0].measurement
    ctx = m.ctx
    eta_t = [float(s) for s in m.fine.eta_t]
    bits = m.bits[1] if isinstance(getattr(m, "bits", None), tuple) else m.fine.bits
    notes = []
    measured = [_log10(ctx, v) for v in m.values(quantity)]
    ax.plot(eta_t, measured, lw=2, label=f"{quantity} ({bits} bits)")
    if all(math.isnan(v) for v in measured):
        zero = all(v == 0 for v in m.values(quantity))
        notes.append(f"{quantity} is {'0 at every step' if zero else 'never positive'}: no point on a log axis")
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
    ax.set_title(checks[0].label.split(":")[0] + "\n" + "; ".join(check_title(c) for c in checks), fontsize=8,
                 color="crimson" if off else "black")
    ax.set_gid("\n".join(c.label for c in checks))  # which checks this panel draws (tests read it)
    ax.set_xlabel("eta * T")
    ax.set_ylabel(f"log10 {quantity}")
    ax.grid(alpha=0.3)
    if pad_flat(ax):
        notes.append("constant: drawn flat")
    for k, note in enumerate(notes):
        ax.text(0.02, 0.04 + 0.08 * k, note, transform=ax.transAxes, fontsize=7, color="dimgray")
    legend_of_drawn(ax, fontsize=6.5)


def claim_figures(report: ClaimReport) -> list:
    """The measured quantity against eta*T on a log scale, with float64 and every claimed bound drawn; one
    panel per measured run, all checks on that run overlaid; PANELS_PER_FIGURE panels a figure, as many
    figures as it takes."""
    from matplotlib.figure import Figure

    panels = list(_panels(report).items())
    pages = [panels[k:k + PANELS_PER_FIGURE] for k in range(0, len(panels), PANELS_PER_FIGURE)]
    off = sum(not c.as_predicted for c in report.checks)
    verdict = "every check as predicted" if not off else f"{off} of {len(report.checks)} checks not as predicted"
    figures = []
    for number, page in enumerate(pages, 1):
        cols = min(PANEL_COLUMNS, len(page))
        rows = math.ceil(len(page) / cols)
        fig = Figure(figsize=(5.4 * cols, 3.8 * rows))
        axes = fig.subplots(rows, cols, squeeze=False)
        for ax, ((_, quantity), checks) in zip(axes.flat, page):
            _draw_panel(ax, quantity, checks)
        for ax in list(axes.flat)[len(page):]:
            ax.axis("off")
        part = f", figure {number} of {len(pages)}" if len(pages) > 1 else ""
        fig.suptitle(f"{report.name}: {report.title} ({verdict}{part})", fontsize=11)
        figures.append(fig)
    return figures


def figure_paths(path: Path, count: int) -> list[Path]:
    """``path`` for the first figure, ``STEM-2.png`` and on beside it for the others."""
    return [path] + [path.with_name(f"{path.stem}-{k}{path.suffix}") for k in range(2, count + 1)]


def plot_claim(report: ClaimReport, path: Path) -> list[Path]:
    """Every figure of ``claim_figures``, written to ``figure_paths(path, ...)``; [] when no check has a
    measured run to draw."""
    from mdtheory.plotting import save

    figures = claim_figures(report)
    return [save(fig, target) for fig, target in zip(figures, figure_paths(Path(path), len(figures)))]


def undrawn(report: ClaimReport) -> list[str]:
    """The checks with no measured series (a certificate, a closed form): in the report's table, not a plot."""
    return [check.label for check in report.checks if check.measurement is None]


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
    images = plot_claim(report, out / f"{report.name}.png")
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
    for image in images:
        lines += ["", f"![{report.name}]({image.name})"]
    if images and undrawn(report):
        lines += ["", f"Drawn above: the {len(report.checks) - len(undrawn(report))} checks on measured runs; "
                      f"the other {len(undrawn(report))} have no series to draw (certificates, closed forms)."]
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
