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
# # For every function in a class: certified worst cases by performance estimation
#
# GD's non-expansiveness up to eta = 2/L proved for every convex L-smooth f, its failure past the edge proved by an explicit instance, and MD's one-step amplification bounded by kappa over every phi, each from PEPit's SDP turned into an exact certificate.
#
# The claim's module docstring is the statement as checked; it is printed first. The claim runs at quick
# settings here; `mdtheory verify --claim worst_case_classes` runs the default settings.

# %%
from mdtheory.claims import load_all
from mdtheory.claims import worst_case_classes as claim

print(claim.__doc__)

# %%
report = load_all()["worst_case_classes"](quick=True)
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
