"""The verify report: a Markdown summary, JSON per claim (the check schema), and a PNG plot per claim."""

from __future__ import annotations

import json
import math
from pathlib import Path

from mdtheory.checker.result import ClaimReport, claim_json


def _log10(ctx, value) -> float:
    try:
        return float(ctx.log10(value)) if value > 0 else math.nan
    except (TypeError, ValueError):
        return math.nan


def plot_claim(report: ClaimReport, path: Path) -> Path | None:
    """Amplification (or separation) against eta*T on a log scale, the claimed bound drawn, per check."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    checks = [c for c in report.checks if c.measurement is not None][:9]
    if not checks:
        return None
    cols = min(3, len(checks))
    rows = math.ceil(len(checks) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.6 * rows), squeeze=False)
    for ax, check in zip(axes.flat, checks):
        m, r = check.measurement, check.result
        ctx = m.ctx
        eta_t = [float(s) for s in m.fine.eta_t]
        quantity = r.quantity
        ax.plot(eta_t, [_log10(ctx, v) for v in m.values(quantity)], lw=1.8, label=f"{quantity} ({m.fine.bits} bits)")
        if quantity != "tangent_amplification":
            ax.plot(eta_t, [math.log10(float(v)) if float(v) > 0 else math.nan for v in getattr(m.float_run, quantity)]
                    if m.float_run is not None else [], ":", lw=1.2, color="gray", label="float64")
        if r.bound_curve:
            ax.plot([float(s) for s, _ in r.bound_curve], [_log10(ctx, b) for _, b in r.bound_curve], "--",
                    color="crimson", lw=1.2, label="claimed")
        ax.set_title(f"{check.label}\n{r.verdict}" + ("" if check.as_predicted else f" (expected {check.expected})"),
                     fontsize=9, color="black" if check.as_predicted else "crimson")
        ax.set_xlabel("eta * T")
        ax.set_ylabel(f"log10 {quantity}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(checks):]:
        ax.axis("off")
    fig.suptitle(f"{report.name}: {report.title} — {report.verdict}", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def summary_rows(reports: list[ClaimReport]) -> list[tuple]:
    rows = []
    for report in reports:
        for check in report.checks:
            r = check.result
            rows.append((report.name, check.label, r.verdict, check.expected, r.measured, r.claimed, r.margin,
                         r.trusted_digits, report.elapsed))
    return rows


def write_report(reports: list[ClaimReport], out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    lines = ["# mdtheory verify report", "",
             "Verdicts compare measured values, carrying only digits that survived a precision doubling, "
             "with the claimed bounds.", "",
             "| claim | verdict | time (s) |", "|---|---|---|"]
    lines += [f"| {r.name} | **{r.verdict}** | {r.elapsed:.1f} |" for r in reports]
    for report in reports:
        (out / f"{report.name}.json").write_text(json.dumps(claim_json(report), indent=2))
        image = plot_claim(report, out / f"{report.name}.png")
        lines += ["", f"## {report.name}: {report.title}", "", f"Verdict: **{report.verdict}**", "",
                  "```text", report.statement.strip(), "```", "",
                  "| check | verdict | expected | measured | claimed | margin | trusted digits |",
                  "|---|---|---|---|---|---|---|"]
        for check in report.checks:
            r = check.result
            mark = " (certified)" if check.label in report.certified else ""
            lines.append(f"| {_cell(check.label)}{mark} | {r.verdict} | {check.expected} | {_cell(r.measured)} | "
                         f"{_cell(r.claimed)} | {_cell(r.margin)} | {r.trusted_digits} |")
        for table in report.tables:
            lines += ["", table]
        if report.notes:
            lines += [""] + [f"- {note}" for note in report.notes]
        if image is not None:
            lines += ["", f"![{report.name}]({image.name})"]
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path
