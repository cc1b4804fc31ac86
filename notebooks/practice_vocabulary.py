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
# # Practice: vocabulary-scale softmax MD in float64, float32 and bfloat16
#
# d = 50,000 tokens with a Zipf(2) start: `mdtheory risk`'s closed-form predictions (amplification, noise, rounding bound, anchoring) against iterated runs.
#
# The claim's module docstring is the statement as checked; it is printed first. The claim runs at quick
# settings here; `mdtheory verify --claim practice_vocabulary` runs the default settings.

# %%
from mdtheory.claims import load_all
from mdtheory.claims import practice_vocabulary as claim

print(claim.__doc__)

# %%
report = load_all()["practice_vocabulary"](quick=True)
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
