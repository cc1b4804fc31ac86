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
# # Composite steps: COMID and RDA with an l1 term
#
# Composite mirror descent (`[run] method = "composite_md"`, Duchi et al. 2010) and regularized dual averaging
# (`"rda"`, Xiao 2010) minimize f + r with r(x) = lambda ||x||_1 (`[method] l1`) handled by its prox: on R^n with
# the Euclidean phi, soft-thresholding, which sets a coordinate to exactly 0 (not a small number) once the
# unshrunk step lands within the threshold. The claims are about f + r; a bound may name r0 = r(x0).
#
# `holds` is about this instance at every step, with every digit compared trusted by the precision ladder; each
# theorem's planted-false twin coming out `violated` is the predicted result.

# %%
import mdtheory
from mdtheory.engine.context import working_context
from mdtheory.methods import kernel_for
from mdtheory.theorems import LIBRARY

COMID = LIBRARY / "convergence" / "duchi_comid.toml"
RDA = LIBRARY / "convergence" / "xiao_rda.toml"

# %% [markdown]
# ## COMID's iterates reach 0 exactly
#
# The library instance: f = (x1^2 + (x2 + 1/4)^2)/2, lambda = 2, the Euclidean phi, from x0 = (1, -1); x* = 0.
# The step x+ = sign(z) max(|z| - eta lambda, 0), z = x - eta grad f(x), run here at 128 bits: after one step
# both coordinates are exactly zero and stay there (0 in grad f(0) + lambda d||0||_1).

# %%
problem = mdtheory.load_claim(COMID).problem
kernel = kernel_for(problem.md)
ctx = working_context(128)
x, eta = [ctx.exact(v) for v in problem.spec.x0], ctx.exact(problem.spec.eta)
for t in range(6):
    print(t, [ctx.nstr(v, 12) for v in x], "exactly zero:", [v == 0 for v in x])
    x = kernel.step(ctx, x, eta, [])
assert all(v == 0 for v in x)

# %% [markdown]
# ## Duchi et al.'s Theorem 2 and Xiao's Corollary 2, with their twins

# %%
for path in (COMID, RDA):
    result, twin = mdtheory.check(path), mdtheory.check(path, twin=True)
    print(f"{path.stem}: {result.verdict}; twin: {twin.verdict}")
    assert (result.verdict, twin.verdict) == ("holds", "violated")
