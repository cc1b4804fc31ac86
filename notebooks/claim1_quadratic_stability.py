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
