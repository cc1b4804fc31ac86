# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Claim 1: quadratic regularizers are stable
#
# GD and Mahalanobis MD amplify a perturbation of the start by at most 1 and sqrt(cond M); the bound is attained, and fails beyond the step-size edge.
#
# The claim's module docstring is the theorem as checked; it is printed first. The claim runs at quick
# settings here (seconds); `mdtheory verify --claim claim1_quadratic_stability` runs the default settings.

# %%
from mdtheory.claims import load_all
from mdtheory.claims import claim1_quadratic_stability as claim

print(claim.__doc__)

# %%
report = load_all()["claim1_quadratic_stability"](quick=True)
print("verdict:", report.verdict)

# %% [markdown]
# ## Verdicts: measured against claimed

# %%
from mdtheory.report import summary_rows

for claim_name, label, verdict, expected, measured, claimed, margin, digits, _ in summary_rows([report]):
    print(f"{verdict:>12} (expected {expected:>8})  {label}\n{'':>14}measured: {measured}\n{'':>14}claimed:  {claimed}\n"
          f"{'':>14}margin: {margin}, trusted digits: {digits}")

# %% [markdown]
# ## Amplification against eta*T
#
# One panel per measured run: the high-precision series (solid), float64 where it was run (dotted), and
# each claimed bound (dashed).

# %%
from pathlib import Path
from tempfile import mkdtemp

from IPython.display import Image, display

from mdtheory.report import plot_claim

image = plot_claim(report, Path(mkdtemp()) / "claim1_quadratic_stability.png")
if image is not None:
    display(Image(filename=str(image)))

# %% [markdown]
# ## Measured constants

# %%
for table in report.tables:
    print(table, end="\n\n")
for note in report.notes:
    print("-", note)
