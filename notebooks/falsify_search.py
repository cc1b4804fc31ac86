# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Searching for a counterexample (`mdtheory falsify`)
#
# `check` decides one instance; a theorem quantifies over many ("for every start", "for every
# eta <= 2/L"). `falsify` searches the range a claim states for an instance where it fails: it screens
# thousands of candidates in vectorized float64, refines the best with Nelder-Mead, confirms them on the
# precision ladder with exact parameters, and certifies a witness in ball arithmetic. Below: a false
# conjecture (the step-size edge moved from 2/L to 2.01/L) and a true theorem (claim 3's KL peak).

# %%
import tempfile
from pathlib import Path

from IPython.display import Image, display

from mdtheory.claimfile import load_claim_file
from mdtheory.search import falsify, plot, witness_file

work = Path(tempfile.mkdtemp())
CONJECTURE = """
[problem]
variables = ["x"]
domain = "reals"
regularizer = "euclidean"
objective = "x**2/2"

[run]
x0 = ["1"]
direction = ["1"]
eps = "1e-20"
eta = "1"
steps = 200
precision_bits = 128

[search]                 # GD non-expansive for every eta in [1/10, 201/100]? (L = 1)
x0 = [["-1", "1"]]
eta = ["1/10", "201/100"]
candidates = 4000

[claim]
kind = "upper_bound"
bound = "1"
"""
(work / "conjecture.toml").write_text(CONJECTURE)
claim = load_claim_file(work / "conjecture.toml")
result = falsify(claim)
print(result.summary())

# %% [markdown]
# The bound fails only on half a percent of the range (eta in (2, 2.01]); the screen gets close, the
# refinement walks to the edge of the range, and the ladder confirms. The witness is a claim file of its
# own: `mdtheory check` on it reproduces the verdict.

# %%
(work / "witness.toml").write_text(witness_file(claim, result.witness))
print((work / "witness.toml").read_text())
plot(result, work / "conjecture.png")
display(Image(str(work / "conjecture.png")))

# %% [markdown]
# A true theorem: softmax MD started at least delta = 1/1000 from the boundary amplifies a perturbation by
# at most 1/(4 delta (1 - delta)) (claim 3). The bound is attained, so float64 sees ratios of 1 plus
# rounding; the ladder discards each of them. The answer is "not falsified", which is evidence, not a proof.

# %%
THEOREM = CONJECTURE.replace('variables = ["x"]', 'variables = ["p", "q"]').replace('domain = "reals"', 'domain = "simplex"')
THEOREM = THEOREM.replace('regularizer = "euclidean"', 'regularizer = "negative_entropy"').replace('objective = "x**2/2"', 'objective = "q"')
THEOREM = THEOREM.replace('x0 = ["1"]', 'x0 = ["1/2", "1/2"]').replace('direction = ["1"]', 'direction = ["1", "-1"]')
THEOREM = THEOREM.replace('steps = 200', 'steps = 60').replace('precision_bits = 128', 'precision_bits = 192')
THEOREM = THEOREM.replace('x0 = [["-1", "1"]]', 'x0 = "domain"\nmargin = "1/1000"').replace('eta = ["1/10", "201/100"]', 'eta = ["1/10", "1/2"]')
THEOREM = THEOREM.replace('bound = "1"', 'bound = "1000000/3996"').replace('eps = "1e-20"', 'eps = "1e-30"').replace('eta = "1"', 'eta = "1/4"')
(work / "theorem.toml").write_text(THEOREM)
result = falsify(load_claim_file(work / "theorem.toml"))
print(result.summary())
plot(result, work / "theorem.png")
display(Image(str(work / "theorem.png")))

# %% [markdown]
# Beyond sensitivity: a theorem from the library. Hedge's regret bound log(d)/eta + eta T/8 (Cesa-Bianchi &
# Lugosi, Thm 2.2) carries a `[search]` range over eta in [1/50, 2]. Each candidate runs the claim's own
# measurement (regret against the best expert in hindsight) at 53 bits; the theorem is not falsified, and
# its planted-false twin (both constants tightened) is, with a witness confirmed on the ladder. Regret is
# not enclosed in ball arithmetic, so that witness says "certified: no".

# %%
from importlib.resources import files

from mdtheory.search import falsify_file

library = files("mdtheory.theorems") / "online" / "hedge.toml"  # the library is part of the package
print(falsify_file(library, candidates=60).summary())
print()
print(falsify_file(library, twin=True, candidates=20).summary())
