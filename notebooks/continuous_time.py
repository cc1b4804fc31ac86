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
# # Continuous time: the mirror flow and the accelerated mirror ODE
#
# `[problem] kind = "mirror_flow"` integrates d/dt grad phi(X) = -grad f(X), X(0) = x0, by a Taylor-series
# method at b and at 2b bits (the order and the step's tolerance follow the precision), and keeps the digits of
# each quantity on which the two rungs agree. A claim states its times (`[run] times`) and is checked **at those
# times, not between them** (docs/continuous-time.md). A ladder verdict is never `proved`; the ball enclosure at
# the end is what can make one.

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

# %% [markdown]
# ## The accelerated mirror ODE
#
# `[run] flow = "accelerated"` with `r` integrates X' = (r/t)(grad phi*(Z) - X), Z' = -(t/r) grad f(X) (Krichene,
# Bayen & Bartlett 2015); its first step, from the singular t = 0, uses the series of the solution there. The
# library theorem (their Theorem 2) is f(X(t)) - f* <= r^2 D0/t^2 for r >= 2; the twin runs r = 1/2.

# %%
amd_file = LIBRARY / "convergence" / "accelerated_mirror_ode.toml"
amd, amd_twin = mdtheory.check(amd_file), mdtheory.check(amd_file, twin=True)
print("theorem:", amd.verdict, "| twin (r = 1/2):", amd_twin.verdict, "| as predicted:", amd_twin.as_predicted)
assert str(amd.verdict) == "holds" and str(amd_twin.verdict) == "violated"

# %% [markdown]
# With the Euclidean phi and f = x^2/2 in one dimension the ODE is X'' + ((r + 1)/t) X' + X = 0, so at r = 2,
# X(t) = 2 x0 J_1(t)/t. Every digit the ladder trusts is the Bessel function's.

# %%
tables = read_toml(amd_file)
tables["problem"].update(variables=["x"], domain="reals", regularizer="euclidean", objective="x**2/2")
tables["run"].update(x0=["1"], times=["1/10", "1", "46/25", "5", "12"])
tables["solution"] = {"x": ["0"]}
tables["claim"] = {"kind": "upper_bound", "quantity": "distance_to_solution", "bound": "1"}
del tables["twin"], tables["theorem"]
bessel_file = scratch / "amd_bessel.toml"
bessel_file.write_text(toml_text(tables))
m = mdtheory.check(bessel_file).measurement
with mpmath.workprec(300):
    for t, value, digits in zip(m.fine.eta_t[1:], m.values("distance_to_solution")[1:], m.digits("distance_to_solution")[1:]):
        exact = abs(2 * mpmath.besselj(1, mpmath.mpf(t)) / mpmath.mpf(t))
        agree = int(-mpmath.log10(abs(mpmath.mpf(value) / exact - 1)))
        print(f"t = {mpmath.nstr(t, 3):>4}: |X(t)| = {mpmath.nstr(value, digits)} ({digits} digits trusted; {agree} agree with 2 J_1(t)/t)")
        assert agree >= digits - 1

# %% [markdown]
# ## A ball enclosure: proved at the stated times
#
# `[run] enclosure = true` integrates the plain flow in arb balls by validated Taylor steps (an a-priori box per
# step, the Lagrange remainder bounded on it). The library's D0/t is then `proved` at its nine stated times.

# %%
tables = read_toml(rate_file)
tables["run"]["enclosure"] = True
tables["claim"]["expected"] = "proved"
del tables["twin"]
proved_file = scratch / "flow_enclosed.toml"
proved_file.write_text(toml_text(tables))
proved = mdtheory.check(proved_file)
print(proved.verdict, "|", proved.result.explanation.split("; ")[-1])
assert str(proved.verdict) == "proved"
