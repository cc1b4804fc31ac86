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
# # Stochastic mirror descent: exact expectations, and what sampling may say
#
# A `[problem] kind = "stochastic"` claim runs mirror descent on the gradient oracle grad f(x) + xi, xi drawn
# from a finite law stated in the claim file's `[noise]` table. While the k^T noise sequences fit
# `[noise] enumeration_budget`, **every sequence is run** on the precision ladder and weighted by its exact
# probability: the expectation is as exact as any measured series, and the verdict is `holds` / `violated`.
# Past the budget the claim is judged on seeded samples, and the verdict says so: **holds at confidence c
# (n = N samples)** (Hoeffding's inequality over the T steps at once, on a quantity whose range the file
# states), never plain `holds`.
#
# The library's theorem: Nemirovski, Juditsky, Lan & Shapiro (2009), section 2.3, in the form before
# E||G||_*^2 is bounded by M_*^2: E[f(xbar_T)] - f* <= (D_phi(x*, x0) + (eta^2/2) E sum_{t<T} ||G_t||^2)/(eta T),
# on f = x^2/2 with xi = +-1. Its planted-false twin keeps the deterministic rate D0/(eta T) and drops the
# variance term.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

import mdtheory
from mdtheory.checker.bounds import BoundOnRungs
from mdtheory.claimfile import read_toml, toml_text
from mdtheory.theorems import LIBRARY

scratch = Path(tempfile.mkdtemp(prefix="mdtheory-stochastic-"))
path = LIBRARY / "convergence" / "njls_stochastic_md.toml"
claim, twin = mdtheory.load_claim(path), mdtheory.load_claim(path, twin=True)
exact, planted = mdtheory.check(claim), mdtheory.check(twin)
print(exact.verdict, "|", planted.verdict, "(the twin predicts violated)")
assert (exact.verdict, planted.verdict) == ("holds", "violated")
exact

# %% [markdown]
# The expectation at every step against both bounds. Each point is a weighted sum over all 2^t noise
# sequences of length t, computed at 64 and 128 bits; the twin's bound D0/(eta T) decays to 0 while the noise
# keeps E[f(xbar_t)] - f* near a floor of order eta Var(xi).

# %%
m = exact.measurement
quantity = claim.bound.quantity
steps = [t for t in m.fine.t if t >= 1]
expectation = [float(m.values(quantity)[t]) for t in steps]
for label, c in (("NJLS bound", claim), ("twin: D0/(eta T)", twin)):
    bound = BoundOnRungs(m, c.bound.bound)
    plt.plot(steps, [float(bound.at(t)[0]) for t in steps], label=label)
plt.plot(steps, expectation, "k.-", label="E[f(xbar_t)] - f*, enumerated")
plt.yscale("log")
plt.xlabel("t")
plt.legend()
plt.show()

# %% [markdown]
# ## Past the enumeration budget: a different word
#
# The same law over 16 steps has 2^16 sequences, more than the default budget of 4096. With `samples = 400`,
# a seed, and the range every sample of the quantity lies in (|x_t| <= 1 along every sequence here, so
# f(xbar_t) <= 1/2), the claim E[f(xbar_t)] - f* <= 1/10 is judged by Hoeffding's inequality.

# %%
tables = read_toml(path)
tables.pop("twin"), tables.pop("theorem")
tables["run"]["steps"] = 16
tables["noise"].update(samples=400, seed=7, range=["0", "1/2"])
tables["claim"]["bound"] = "1/10"
sampled_path = scratch / "sampled.toml"
sampled_path.write_text(toml_text(tables))
by_samples = mdtheory.check(sampled_path)
print(by_samples.verdict)
assert by_samples.verdict == "holds at confidence 0.99 (n = 400 samples)" and by_samples.verdict != "holds"
by_samples

# %% [markdown]
# ## With high probability, exactly
#
# `quantile_average_suboptimality` is the (1 - delta)-quantile of f(xbar_t) - f*: a bound b on it states
# P[f(xbar_t) - f* <= b] >= 1 - delta. Enumerated, the quantile's rank is found on exact fractions. At
# delta = 1/10 over 10 steps:

# %%
tables = read_toml(path)
tables.pop("twin"), tables.pop("theorem")
tables["noise"]["delta"] = "1/10"
tables["claim"].update(quantity="quantile_average_suboptimality", bound="(D0 + eta**2*sum_g2/2)/(eta*T)")
tail_path = scratch / "tail.toml"
tail_path.write_text(toml_text(tables))
tail = mdtheory.check(tail_path)
print(tail.verdict, "|", tail.result.measured)
tail
