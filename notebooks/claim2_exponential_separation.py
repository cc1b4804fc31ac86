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
# # Claim 2: a 3-dimensional exponential separation
#
# The PAPER.md construction: sympy proofs of its hypotheses, then exponential growth of the perturbation under MD (and none under GD). Quick settings run the growth-rate part; `mdtheory verify --full` runs the saturation sweep.
#
# The claim's module docstring is the theorem as checked; it is printed first. The claim runs at quick
# settings here (seconds); `mdtheory verify --claim claim2_exponential_separation` runs the default settings.

# %%
from mdtheory.claims import load_all
from mdtheory.claims import claim2_exponential_separation as claim

print(claim.__doc__)

# %%
report = load_all()["claim2_exponential_separation"](quick=True)
print("verdict:", report.verdict)

# %% [markdown]
# ## Verdicts: measured against claimed

# %%
from mdtheory.notebook import constants, plot, verdict_table

print(verdict_table(report))

# %% [markdown]
# ## Amplification against eta*T
#
# One panel per measured run: the high-precision series (solid), float64 where it was run (dotted), and
# each claimed bound (dashed).

# %%
plot(report)

# %% [markdown]
# ## Measured constants

# %%
print(constants(report))
