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
# # Benchmark MDPs: NPG on gymnasium's FrozenLake
#
# FrozenLake 4x4 (slippery) read from gymnasium's own transition table and made exact: Agarwal et al.'s and Cen et al.'s convergence bounds, the amplification of a perturbed pretrained initial policy for p = 1e-3 and 1e-6, and the two anchors. Needs the `real` extra (`pip install -e ".[real]"`).
#
# The claim's module docstring is the statement as checked; it is printed first. The claim runs at quick
# settings here; `mdtheory verify --claim practice_benchmark_mdps` runs the default settings.

# %%
from mdtheory.claims import load_all
from mdtheory.claims import practice_benchmark_mdps as claim

print(claim.__doc__)

# %%
report = load_all()["practice_benchmark_mdps"](quick=True)
print("verdict:", report.verdict)

# %% [markdown]
# ## Verdicts: measured against claimed

# %%
from mdtheory.notebook import constants, plot, verdict_table

print(verdict_table(report))

# %% [markdown]
# ## Pictures

# %%
plot(report)

# %% [markdown]
# ## Measured constants and notes

# %%
print(constants(report))
