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
# # Practice: natural policy gradient amplifies an initial-policy perturbation like 1/p
#
# Softmax policies updated by KL Mirror Descent (NPG) on a bandit and a 3-state MDP, with and without a fixed anchor, at 192/384 bits.
#
# The claim's module docstring is the statement as checked; it is printed first. The claim runs at quick
# settings here; `mdtheory verify --claim practice_policy_optimization` runs the default settings.

# %%
from mdtheory.claims import load_all
from mdtheory.claims import practice_policy_optimization as claim

print(claim.__doc__)

# %%
report = load_all()["practice_policy_optimization"](quick=True)
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
