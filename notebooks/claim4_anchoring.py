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
# # Claim 4: anchoring, and the choice of anchor
#
# A fixed anchor makes the amplification decay at rate log(1 - eta lambda)/eta; anchoring at the initialization freezes it at A(1/lambda).
#
# The claim's module docstring is the theorem as checked; it is printed first. The claim runs at quick
# settings here (seconds); `mdtheory verify --claim claim4_anchoring` runs the default settings.

# %%
from mdtheory.claims import load_all
from mdtheory.claims import claim4_anchoring as claim

print(claim.__doc__)

# %%
report = load_all()["claim4_anchoring"](quick=True)
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

image = plot_claim(report, Path(mkdtemp()) / "claim4_anchoring.png")
if image is not None:
    display(Image(filename=str(image)))

# %% [markdown]
# ## Measured constants

# %%
for table in report.tables:
    print(table, end="\n\n")
for note in report.notes:
    print("-", note)
