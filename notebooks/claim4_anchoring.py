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
