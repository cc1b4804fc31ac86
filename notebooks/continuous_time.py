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
# # Continuous time: the mirror flow
#
# `[problem] kind = "mirror_flow"` integrates d/dt grad phi(X) = -grad f(X), X(0) = x0, by a Taylor-series
# method at b and at 2b bits (the order and the step's tolerance follow the precision), and keeps the digits of
# each quantity on which the two rungs agree. A claim states its times (`[run] times`) and is checked **at those
# times, not between them** (docs/continuous-time.md). No ball enclosure is made, so no verdict here is `proved`.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import mpmath

import mdtheory
from mdtheory.claimfile import read_toml, toml_text
from mdtheory.theorems import LIBRARY

scratch = Path(tempfile.mkdtemp(prefix="mdtheory-flow-"))
rate_file = LIBRARY / "convergence" / "mirror_flow_rate.toml"

# %% [markdown]
# ## The library theorem and its twin
#
# f(X(t)) - f* <= D_phi(x*, x0)/t (the Lyapunov function D_phi(x*, X(t)) + t (f(X(t)) - f*) is nonincreasing;
# Krichene, Bayen & Bartlett 2015, Wilson, Recht & Jordan 2021) on the simplex with the negative entropy. The twin
# claims the accelerated ODE's rate D0/t^2 for the plain flow.

# %%
rate, twin = mdtheory.check(rate_file), mdtheory.check(rate_file, twin=True)
print("theorem:", rate.verdict, "|", rate.result.explanation)
print("twin:   ", twin.verdict, "| as predicted:", twin.as_predicted, "|", twin.result.explanation)
assert str(rate.verdict) == "holds" and str(twin.verdict) == "violated"

# %%
m = rate.measurement
times = [float(t) for t in m.fine.eta_t[1:]]
D0 = float(m.constants["D0"][0])
plt.loglog(times, [float(v) for v in m.values("suboptimality")[1:]], "o-", label="f(X(t)) - f*")
plt.loglog(times, [D0 / t for t in times], "--", label="D0/t (theorem)")
plt.loglog(times, [D0 / t**2 for t in times], ":", label="D0/t^2 (twin)")
plt.xlabel("t")
plt.legend()
plt.title("mirror flow, entropic geometry: checked at the marked times")
plt.show()

# %% [markdown]
# ## The trusted digits against a closed form
#
# With the negative entropy and a linear f = <c, x> on the simplex the flow is X(t) = softmax(log x0 - t c). With
# c = (1, 2, 0) and x0 uniform, D_phi(e_3, X(t)) = log(1 + e^{-t} + e^{-2t}). Every digit the ladder trusts is
# the closed form's.

# %%
tables = read_toml(rate_file)
tables["problem"]["objective"] = "x1 + 2*x2"
tables["run"].update(x0=["1/3", "1/3", "1/3"], times=["1/10", "1/2", "1", "2", "5"])
tables["solution"] = {"x": ["0", "0", "1"]}
tables["claim"] = {"kind": "upper_bound", "quantity": "bregman_to_solution", "bound": "D0"}
del tables["twin"], tables["theorem"]
linear_file = scratch / "entropic_linear.toml"
linear_file.write_text(toml_text(tables))
checked = mdtheory.check(linear_file)
m = checked.measurement
with mpmath.workprec(300):
    for t, value, digits in zip(m.fine.eta_t[1:], m.values("bregman_to_solution")[1:], m.digits("bregman_to_solution")[1:]):
        exact = mpmath.log(1 + mpmath.exp(-mpmath.mpf(t)) + mpmath.exp(-2 * mpmath.mpf(t)))
        agree = int(-mpmath.log10(abs(mpmath.mpf(value) / exact - 1)))
        print(f"t = {mpmath.nstr(t, 3):>4}: {mpmath.nstr(value, digits)} ({digits} digits trusted; {agree} agree with the closed form)")
        assert agree >= digits - 1
