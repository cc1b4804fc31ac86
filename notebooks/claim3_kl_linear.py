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
# # Claim 3: KL geometry amplifies even linear objectives
#
# Entropic MD on a linear objective: growth at rate Delta, peak 1/(4 delta (1 - delta)), uniform starts up to d = 1e5, all against formulas derived by sympy.
#
# The claim's module docstring is the theorem as checked; it is printed first. The claim runs at quick
# settings here (seconds); `mdtheory verify --claim claim3_kl_linear` runs the default settings.

# %%
from mdtheory.claims import load_all
from mdtheory.claims import claim3_kl_linear as claim

print(claim.__doc__)

# %%
report = load_all()["claim3_kl_linear"](quick=True)
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
