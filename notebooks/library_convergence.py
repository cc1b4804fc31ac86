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
# # Theorem library: convergence rates and limits of offline md
#
# Each theorem of this family is a claim file in `mdtheory/theorems/convergence/`: a `[theorem]` table with the
# statement and its reference, a true instance that must hold, and a `[twin]` with a planted error that must
# come out violated. The claim's module docstring says how the family is checked; it is printed first.

# %%
from mdtheory.claims import load_all
from mdtheory.claims import theorem_library as claim

print(claim.__doc__)

# %%
report = load_all()["library_convergence"](quick=True)
print("verdict:", report.verdict)
print(report.statement)

# %% [markdown]
# ## Verdicts: measured against claimed, and how tight each bound is

# %%
from mdtheory.notebook import constants, plot, verdict_table

print(verdict_table(report))
print(constants(report))

# %% [markdown]
# ## Pictures: each quantity on the ladder's fine rung, with the claimed bound dashed

# %%
plot(report)

# %% [markdown]
# ## A claim file of this family
#
# This is all it takes to state one of these theorems; `mdtheory check FILE` checks it and
# `mdtheory check FILE --twin` checks its planted-false twin.

# %%
from mdtheory.theorems import theorem_files

example = [p for p in theorem_files("convergence") if p.stem == "beck_teboulle"][0]
print(example.read_text())
