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
# # Tutorial: check your own regularizer
#
# We take a regularizer that is not in the catalogue, phi(x) = ||x||^2/2 + sum_i log cosh(x_i) on R^2,
# let mdtheory derive its Mirror Descent, measure how a perturbation of the start is amplified on
# 0.5 ||A x - b||^2, and state and check a bound.

# %%
import sympy as sp

from mdtheory.symbolic.regularizer import Regularizer, hessian, mirror_map, strict_convexity
from mdtheory.symbolic.inverse import inverse_mirror_map

phi = Regularizer.from_text("x1**2/2 + x2**2/2 + log(cosh(x1)) + log(cosh(x2))", ["x1", "x2"], "reals", name="logcosh")
print("mirror map:", list(mirror_map(phi)))
print("Hessian diagonal:", [sp.simplify(hessian(phi)[i, i]) for i in range(2)])
print("strict convexity:", strict_convexity(phi))
inverse = inverse_mirror_map(phi)
print("inverse mirror map:", inverse.kind, "-", inverse.note)

# %% [markdown]
# x + tanh(x) = y has no closed-form solution, so the engine inverts the mirror map by Newton's method
# (seeded in float64, finished at working precision). The MD step and its Jacobian follow.

# %%
from mdtheory.symbolic.mirror_descent import MirrorDescent, md_step_jacobian
from mdtheory.symbolic.objectives import quadratic

md = MirrorDescent(phi, quadratic(phi.variables, [[2, 1], [0, 1]], [1, -1]))
jacobian, implicit = md_step_jacobian(md)
print("implicit Jacobian (in x and x_next):", implicit)
sp.simplify(jacobian)

# %% [markdown]
# ## Measure amplification on the precision ladder
#
# Runs at 128 and 256 bits; only digits that agree are trusted.

# %%
from mdtheory.checker import UpperBound, measure
from mdtheory.engine.run import RunSpec

spec = RunSpec.build(["1", "-2"], ["1", "1"], eps="1e-15", eta="1/4", steps=60)
m = measure(md, spec, 128)
for i in range(0, len(m.fine.t), 10):
    print(f"eta*T = {m.ctx.nstr(m.fine.eta_t[i], 4):>5}   amplification = {m.ladder.trusted('amplification', i)}")

# %% [markdown]
# ## State a bound and check it
#
# phi is 1-strongly convex and 2-smooth, f is convex and L-smooth with L = 3 + sqrt(5) ~ 5.24, and
# eta = 1/4 is below 2/L ~ 0.38. Is MD in this geometry non-expansive in the Euclidean norm? A claimed
# bound "amplification <= 1" is checked on every recorded step.

# %%
result = UpperBound(1).check(m)
print(result.verdict, "|", result.measured, "|", result.explanation)

# %% [markdown]
# The bound sqrt(cond(Hess phi)) = sqrt(2) is the Mahalanobis analogue of claim 1; check it too, and a
# deliberately false claim (amplification <= 1/100: the first step already gives more) to see a violation.

# %%
for bound in (sp.sqrt(2), sp.Rational(1, 100)):
    r = UpperBound(bound).check(m)
    print(f"amplification <= {bound}: {r.verdict} ({r.explanation})")

# %%
from pathlib import Path
from tempfile import mkdtemp

from IPython.display import Image, display

from mdtheory.checker import ClaimReport, NamedCheck
from mdtheory.report import plot_claim

report = ClaimReport("logcosh", "user regularizer", "", [NamedCheck("amplification <= 1", result, m)])
for page in plot_claim(report, Path(mkdtemp()) / "logcosh.png"):  # one PNG per 12 panels
    display(Image(filename=str(page)))
