"""Small helpers that notebooks use to show a claim: its verdict table, its plot, its measured constants."""

from __future__ import annotations

from pathlib import Path
from tempfile import mkdtemp

from mdtheory.checker.result import ClaimReport
from mdtheory.report import plot_claim, summary_rows


def verdict_table(report: ClaimReport) -> str:
    lines = [f"verdict: {report.verdict}"]
    for _, label, verdict, expected, measured, claimed, margin, digits, _ in summary_rows([report]):
        lines.append(f"{verdict:>12} (expected {expected:>8})  {label}\n{'':>14}measured: {measured}\n"
                     f"{'':>14}claimed:  {claimed}\n{'':>14}margin: {margin}, trusted digits: {digits}")
    return "\n".join(lines)


def plot(report: ClaimReport):
    """Displays the report's figures: amplification against eta*T with the bounds dashed (for checks on
    measured runs) and the claim's own pictures."""
    from IPython.display import Image, display

    folder = Path(mkdtemp())
    for path in plot_claim(report, folder / f"{report.name}.png"):
        display(Image(filename=str(path)))
    for key, draw in report.figures.items():
        draw(folder / f"{key}.png")
        display(Image(filename=str(folder / f"{key}.png")))


def constants(report: ClaimReport) -> str:
    return "\n\n".join(report.tables + [f"- {note}" for note in report.notes])
