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
# # Vocabulary-scale softmax MD on real word frequencies (wordfreq)
#
# The vocabulary findings rerun from the 50,000 most frequent English and French words (wordfreq, the `real` extra: `pip install -e ".[real]"`) instead of Zipf(2) (5,000 words at the quick settings used here); the table compares the starts.
#
# The claim's module docstring is the statement as checked; it is printed first. The claim runs at quick
# settings here; `mdtheory verify --claim practice_vocabulary_wordfreq` runs the default settings.

# %%
from mdtheory.claims import load_all
from mdtheory.claims import practice_vocabulary_wordfreq as claim

print(claim.__doc__)

# %%
report = load_all()["practice_vocabulary_wordfreq"](quick=True)
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
