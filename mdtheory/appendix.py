"""Derivation appendices: LaTeX (compiles with pdflatex) and a Markdown twin, generated into ``proofs/``.

Per catalogue regularizer: phi, its domain, the mirror map, the inverse mirror map (with its domain
conditions, or a note that it is computed by Newton), the Bregman divergence, the MD step for a linear
objective <c, x>, the one-step Jacobian and the closed-form T-step map where one exists. Per paper claim:
its statement, the symbolic certificates of its hypotheses, and the checker's measured table (trusted
digits only). Nothing time-dependent is written, so regenerating gives the same files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import sympy as sp

from mdtheory.checker.result import ClaimReport
from mdtheory.checker.result import table_cell
from mdtheory.symbolic.catalogue import euclidean, hypentropy, log_barrier, mahalanobis, negative_entropy, p_norm, tsallis
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.inverse import inverse_mirror_map
from mdtheory.symbolic.mirror_descent import (
    ETA,
    STEPS,
    MirrorDescent,
    closed_form_t_step,
    md_step,
    md_step_jacobian,
    next_variables,
)
from mdtheory.symbolic.objectives import Objective
from mdtheory.symbolic.regularizer import Regularizer, bregman_divergence, mirror_map, second_point, strict_convexity
from mdtheory.theorems import is_library_claim

MAX_LINE_CHARACTERS = 110  # LaTeX source longer than this is broken across lines, if it is a sum


def catalogue_entries() -> list[Regularizer]:
    return [euclidean(2), mahalanobis([[2, 1], [1, 3]]), negative_entropy(3), tsallis(3, "1/2"), log_barrier(2),
            hypentropy(2, "1/2"), p_norm(2, "3/2")]


def _names(reg: Regularizer) -> dict:
    names = {ETA: r"\eta", STEPS: "T"}
    for i, v in enumerate(reg.variables, 1):
        names[v] = f"x_{{{i}}}"
    for i, v in enumerate(second_point(reg), 1):
        names[v] = f"{{x'_{{{i}}}}}"
    for i, v in enumerate(sp.symbols(f"y1:{reg.dim + 1}", real=True), 1):
        names[v] = f"y_{{{i}}}"
    return names


def _tex(expr, names) -> str:
    return sp.latex(expr, symbol_names=names, ln_notation=True)


@dataclass
class Block:
    """A displayed equation: ``lhs = rhs`` (rhs a sympy expression or ready LaTeX)."""

    lhs: str
    rhs: object
    note: str = ""


def _equation_tex(block: Block, names) -> str:
    if isinstance(block.rhs, str):
        return f"\\begin{{align*}}\n{block.lhs} &= {block.rhs}\n\\end{{align*}}"
    expr = block.rhs
    if len(_tex(expr, names)) > MAX_LINE_CHARACTERS and isinstance(expr, sp.Add):
        lines, current = [], ""
        for term in sp.Add.make_args(expr):
            piece = _tex(term, names)
            piece = piece if piece.startswith("-") or not current and not lines else f"+ {piece}"
            if current and len(current) + len(piece) > MAX_LINE_CHARACTERS:
                lines.append(current)
                current = piece if piece.startswith(("-", "+")) else f"+ {piece}"
            else:
                current = f"{current} {piece}".strip()
        lines.append(current)
        body = " \\\\\n&\\quad ".join(lines)
        return f"\\begin{{align*}}\n{block.lhs} &= {body}\n\\end{{align*}}"
    return f"\\begin{{align*}}\n{block.lhs} &= {_tex(expr, names)}\n\\end{{align*}}"


def _equation_md(block: Block, names) -> str:
    rhs = block.rhs if isinstance(block.rhs, str) else _tex(block.rhs, names)
    return f"$$\n{block.lhs} = {rhs}\n$$"


MAX_MATRIX_CHARACTERS = 260
DOMAIN_TEX = {Domain.REALS: "$\\mathbb{R}^n$", Domain.POSITIVE: "the positive orthant $\\{x : x_i > 0\\}$",
              Domain.SIMPLEX: "the probability simplex $\\{x : x_i > 0, \\sum_i x_i = 1\\}$",
              Domain.BOX: "the open unit box $(0, 1)^n$"}


def _vector_blocks(whole: str, entry: str, vector: sp.Matrix, names) -> list:
    """One displayed column vector when it is short, else one equation per entry."""
    if len(_tex(vector, names)) <= MAX_MATRIX_CHARACTERS:
        return [Block(whole, vector)]
    return [Block(entry.format(i=i), e) for i, e in enumerate(vector, 1)]


def regularizer_sections(reg: Regularizer) -> list[tuple[str, list]]:
    """(heading, [text or Block]) for one catalogue regularizer."""
    names = _names(reg)
    c = sp.symbols(f"c1:{reg.dim + 1}", real=True)
    for i, ci in enumerate(c, 1):
        names[ci] = f"c_{{{i}}}"
    md = MirrorDescent(reg, Objective("linear", sum(ci * xi for ci, xi in zip(c, reg.variables)), reg.variables, c))
    inverse = inverse_mirror_map(reg)
    certificate = strict_convexity(reg)
    parts: list = [f"Domain: {DOMAIN_TEX[reg.domain]}. Strict convexity: {certificate.method} ({certificate.detail})."]
    parts.append(Block(r"\varphi(x)", reg.phi))
    parts += _vector_blocks(r"\nabla\varphi(x)", "\\partial_{{{i}}}\\varphi(x)", mirror_map(reg), names)
    if inverse.is_closed_form:
        parts += _vector_blocks(r"(\nabla\varphi)^{-1}(y)", "(\\nabla\\varphi)^{{-1}}(y)_{{{i}}}",
                                sp.Matrix(inverse.expressions), names)
        conditions = ", ".join(f"${_tex(cond, names)}$" for cond in inverse.conditions) or "all of $\\mathbb{R}^n$"
        parts.append(f"The closed form passed a symbolic round trip and 100-digit spot checks ({inverse.note}); "
                     f"it is the inverse on: {conditions}.")
    else:
        parts.append(f"No closed-form inverse is used ({inverse.note}): the engine solves "
                     "$\\nabla\\varphi(x) = y$ by Newton's method, seeded in float64 and finished at working precision.")
    divergence = bregman_divergence(reg)
    # Only polynomial divergences are simplified: simplify folds entropy's logs into one unreadable log
    # and splits |x|^p into Piecewise branches.
    polynomial = divergence.is_polynomial(*reg.variables, *second_point(reg))
    parts.append(Block(r"D_\varphi(x, x')", sp.expand(divergence) if polynomial else divergence))
    parts.append("Mirror Descent on the linear objective $f(x) = \\langle c, x\\rangle$ with step $\\eta$:")
    step = md_step(md)
    if step is not None:
        parts += _vector_blocks("x^{+}", "x^{{+}}_{{{i}}}", step, names)
    elif reg.domain is Domain.SIMPLEX:
        parts.append(Block(r"\partial_i\varphi(x^{+})", r"\partial_i\varphi(x) - \eta c_i + \nu, \quad \textstyle\sum_i x^{+}_i = 1"))
        parts.append("The scalar multiplier $\\nu$ is found by safeguarded Newton at working precision.")
    else:
        parts.append(Block(r"\nabla\varphi(x^{+})", r"\nabla\varphi(x) - \eta c"))
    jacobian, implicit = md_step_jacobian(md)
    for i, v in enumerate(next_variables(md), 1):
        names[v] = f"{{x^{{+}}_{{{i}}}}}"
    if implicit:
        formula = (r"\bigl(D - \tfrac{D \mathbf{1}\mathbf{1}^{\top} D}{\mathbf{1}^{\top} D \mathbf{1}}\bigr)\,\nabla^2\varphi(x),"
                   r"\quad D = \operatorname{diag}\bigl(1/\partial_{ii}\varphi(x^{+})\bigr)" if reg.domain is Domain.SIMPLEX
                   else r"\nabla^2\varphi(x^{+})^{-1}\,\nabla^2\varphi(x)")
        parts.append("One-step Jacobian (implicit function theorem):")
        parts.append(Block(r"\frac{\partial x^{+}}{\partial x}", formula))
    else:
        parts.append("One-step Jacobian:")
        jacobian = jacobian.applyfunc(sp.simplify)
        if len(_tex(jacobian, names)) <= MAX_MATRIX_CHARACTERS:
            parts.append(Block(r"\frac{\partial x^{+}}{\partial x}", jacobian))
        else:
            for i in range(reg.dim):
                for j in range(reg.dim):
                    parts.append(Block(f"\\frac{{\\partial x^{{+}}_{{{i + 1}}}}}{{\\partial x_{{{j + 1}}}}}", jacobian[i, j]))
    closed = closed_form_t_step(md)
    if closed is not None:
        parts.append("Closed-form $T$-step map ($x$ the start):")
        parts += _vector_blocks("x^{(T)}", "x^{{(T)}}_{{{i}}}", closed, names)
    return [(reg.name, parts)], names


def _latex_escape(text: str) -> str:
    replacements = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}"}
    return "".join(replacements.get(ch, ch) for ch in text)


def _breakable(text: str) -> str:
    """Let long formulas and numbers in table cells break after operators and every 12 digits."""
    text = re.sub(r"([*/,+=])", r"\1\\allowbreak{}", text)
    return re.sub(r"(\d{12})(?=\d)", r"\1\\allowbreak{}", text)


TEX_PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{longtable,array}
\usepackage{hyperref}
\allowdisplaybreaks
\title{mdtheory derivation appendix}
\author{Generated by \texttt{mdtheory appendix}}
\date{}
\begin{document}
\maketitle
\noindent Every formula below was derived by sympy from the regularizer $\varphi$ alone; every number in the
claim tables carries only the digits that survived a doubling of the working precision.
"""


def render(reports: list[ClaimReport]) -> tuple[str, str]:
    """(LaTeX, Markdown) of the appendix."""
    tex = [TEX_PREAMBLE, r"\section{Catalogue of regularizers}"]
    md = ["# mdtheory derivation appendix", "",
          "Every formula was derived by sympy from the regularizer phi alone; every number in the claim tables "
          "carries only the digits that survived a doubling of the working precision.", "",
          "## Catalogue of regularizers", ""]
    for reg in catalogue_entries():
        sections, names = regularizer_sections(reg)
        for heading, parts in sections:
            tex.append(f"\\subsection{{{_latex_escape(heading)}}}")
            md += [f"### {heading}", ""]
            for part in parts:
                if isinstance(part, Block):
                    tex.append(_equation_tex(part, names))
                    md += [_equation_md(part, names), ""]
                else:
                    tex.append(_latex_tex_text(part))
                    md += [part, ""]
    library = [r for r in reports if is_library_claim(r.name)]
    _claim_sections(tex, md, "The paper's claims", [r for r in reports if not is_library_claim(r.name)])
    _claim_sections(tex, md, "The theorem library", library)
    tex.append(r"\end{document}")
    return "\n".join(tex) + "\n", "\n".join(md) + "\n"


def _claim_sections(tex: list, md: list, heading: str, reports: list[ClaimReport]):
    if not reports:
        return
    tex.append(f"\\section{{{heading}}}")
    md += [f"## {heading}", ""]
    for report in reports:
        tex.append(f"\\subsection{{{_latex_escape(report.name)}: {_latex_escape(report.title)}}}")
        tex.append(f"Verdict: \\textbf{{{report.verdict}}}.")
        tex.append("\\begin{small}\\begin{verbatim}\n" + report.statement.strip() + "\n\\end{verbatim}\\end{small}")
        md += [f"### {report.name}: {report.title}", "", f"Verdict: **{report.verdict}**.", "", "```text",
               report.statement.strip(), "```", ""]
        tex.append(r"\begin{small}\begin{longtable}{>{\raggedright}p{4.2cm} p{1.5cm} >{\raggedright}p{4.4cm} >{\raggedright}p{4.4cm} p{0.9cm}}")
        tex.append(r"check & verdict & measured & claimed & digits \\ \hline \endhead")
        md += ["| check | verdict | measured | claimed | trusted digits |", "|---|---|---|---|---|"]
        for check in report.checks:
            r = check.result
            verdict = r.verdict + ("" if check.as_predicted else f" (expected {check.expected})")
            cells = [check.label, verdict, r.measured, r.claimed]
            tex.append(" & ".join(_breakable(_latex_escape(str(c))) for c in cells) + f" & {r.trusted_digits} \\tabularnewline")
            md.append("| " + " | ".join(table_cell(c) for c in cells) + f" | {r.trusted_digits} |")
        tex.append(r"\end{longtable}\end{small}")
        md.append("")
        tight = [(c.label, c.result.extra["tightness"], c.result.extra["tightness_t"]) for c in report.checks
                 if "tightness" in c.result.extra]
        if tight and is_library_claim(report.name):
            lines = [f"{label}: measured / claimed = {ratio} at t = {t}" for label, ratio, t in tight]
            tex.append("Tightness on the instance (1 = attained):\\begin{itemize}"
                       + "".join(f"\\item {_latex_escape(line)}" for line in lines) + "\\end{itemize}")
            md += ["Tightness on the instance (1 = attained):", ""] + [f"- {line}" for line in lines] + [""]
        for note in report.notes:
            tex.append(_latex_escape(note) + "\n")
            md += [f"- {note}"]
        md.append("")


def _latex_tex_text(text: str) -> str:
    """Prose with inline $...$ math kept as is and everything else escaped."""
    pieces = re.split(r"(\$[^$]*\$)", text)
    return "".join(p if p.startswith("$") else _latex_escape(p) for p in pieces) + "\n"


def write_appendix(reports: list[ClaimReport], out: Path) -> tuple[Path, Path]:
    tex, markdown = render(reports)
    out.mkdir(parents=True, exist_ok=True)
    tex_path, md_path = out / "appendix.tex", out / "appendix.md"
    tex_path.write_text(tex)
    md_path.write_text(markdown)
    return tex_path, md_path
