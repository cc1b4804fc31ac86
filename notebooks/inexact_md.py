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
# # Inexact online MD: entropy needs exponentially small errors
#
# Per-step errors of l1 size eps pushed toward the boundary after every exact MD step, on a switching expert sequence: how large an error each regularizer tolerates, and how that changes with the horizon T.
#
# The claim's module docstring is the statement as checked; it is printed first. The claim runs at quick
# settings here; `mdtheory verify --claim inexact_md` runs the default settings.

# %%
from mdtheory.claims import load_all
from mdtheory.claims import inexact_md as claim

print(claim.__doc__)

# %%
report = load_all()["inexact_md"](quick=True)
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
