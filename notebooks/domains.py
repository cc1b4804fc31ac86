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
# # Constraint sets and boundary solutions; online losses that depend on x
#
# Mirror descent on a closed convex set C takes the mirror step and then the Bregman projection onto C
# (`mdtheory/methods/projected.py`), chosen in a claim file by `[problem] domain`:
#
# | `domain` | keys | phi | projection |
# |---|---|---|---|
# | `"ball"` | `radius` | Euclidean | y min(1, R/\|\|y\|\|) |
# | `"box"` | `lower`, `upper` | Euclidean | clipping to [lower, upper] |
# | `"simplices"` | `blocks` | negative entropy | one softmax per block |
#
# On such a set the solution x* is often on the boundary, where grad f(x*) is not 0; the checker certifies it by
# the variational inequality <grad f(x*), x - x*> >= 0 at the set's vertices (or computes it exactly, for a
# linear f on a ball) before any rate measured against it is trusted.
#
# **What a verdict means.** `holds` says the bound holds *on this instance, at every step*, with every digit
# compared trusted by the precision ladder (runs at b and 2b bits agree); it is not a proof of the theorem. A
# planted-false `[twin]` coming out `violated` is the predicted result ("violated, as predicted"): it shows the
# check can fail. Claim files built here go to a temporary folder.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

import mdtheory
from mdtheory.checker.bounds import BoundOnRungs
from mdtheory.claimfile import read_toml, toml_text
from mdtheory.engine.run import run_mirror_descent
from mdtheory.methods import kernel_for
from mdtheory.theorems import LIBRARY

scratch = Path(tempfile.mkdtemp(prefix="mdtheory-domains-"))
BITS = 256


def as_float(values):
    """mpf values to floats, for the plot only (verdicts and assertions use the laddered values)."""
    return [float(v) for v in values]


def quantity_and_bound(checked, claim):
    """The claim's quantity at every recorded step and the claim's bound at the same steps."""
    m = checked.measurement
    bound = BoundOnRungs(m, claim.bound.bound)
    return list(m.fine.t), m.values(claim.bound.quantity), [bound.at(t)[0] for t in m.fine.t]


def iterates(path):
    """x_0, ..., x_T of a claim file's run at BITS bits (a convergence run: no tangent is propagated)."""
    problem = mdtheory.load_claim(path).problem
    kernel = kernel_for(problem.md)
    kernel.tangent_needed = False
    return run_mirror_descent(problem.md, problem.spec, BITS, kernel=kernel, perturbed=False, keep_path=True).path


def checked_pair(path):
    """The claim and its planted-false twin, each loaded and checked through the Python face."""
    return {twin: (mdtheory.load_claim(path, twin=twin), mdtheory.check(path, twin=twin)) for twin in (False, True)}


def plot_pair(ax, pair, title, log=True):
    for twin, style in ((False, "--"), (True, ":")):
        claim, checked = pair[twin]
        times, values, bound = quantity_and_bound(checked, claim)
        if not twin:
            (ax.semilogy if log else ax.plot)(times[1:], as_float(values[1:]), label=claim.bound.quantity)
        (ax.semilogy if log else ax.plot)(times[1:], as_float(bound[1:]), style,
                                          label=f"{'twin' if twin else 'theorem'}: {checked.verdict}")
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("T")
    ax.legend(fontsize=8)


# %% [markdown]
# ## A box whose solution is a corner
#
# The library's `convergence/projected_subgradient_box.toml`: Bubeck (2015), Theorem 3.2, projected subgradient
# descent f(mean of x_0..x_{T-1}) - f* <= ||x0 - x*||^2/(2 eta T) + eta G^2/2, on the box [0, 1]^2 with
# f = (x1 - 2)^2/2 + (x2 + 1)^2/2, minimized outside the box: x* = (1, 0) is a corner. Its twin divides the D0
# term by 100. Projected GD from (1/2, 1/2) with eta = 1/4 is, in exact arithmetic, (7/8, 1/8) after one step
# and, clipped, the corner (1, 0) after two.

# %%
box_file = LIBRARY / "convergence" / "projected_subgradient_box.toml"
box = checked_pair(box_file)
box[False][1]

# %%
box[True][1]

# %%
box_path = iterates(box_file)
print([tuple(float(c) for c in x) for x in box_path[:4]])
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
left.plot([float(x[0]) for x in box_path], [float(x[1]) for x in box_path], "o-")
left.add_patch(plt.Rectangle((0, 0), 1, 1, fill=False, linestyle="--"))
left.plot([2], [-1], "x", label="unconstrained minimizer (2, -1)")
left.set_aspect("equal")
left.legend(fontsize=8)
left.set_title("projected GD iterates on [0, 1]^2")
plot_pair(right, box, "Bubeck Thm 3.2 on the box")
plt.show()

# %%
exact = [(1 / 2, 1 / 2), (7 / 8, 1 / 8)] + [(1, 0)] * (len(box_path) - 2)  # dyadic: exact as floats
assert all(abs(c - e) < 1e-70 for x, want in zip(box_path, exact) for c, e in zip(x, want))
assert box[False][1].verdict == "holds" and box[True][1].verdict == "violated"
assert all(checked.as_predicted for _, checked in box.values())

# %% [markdown]
# ## A ball, a linear f, and x* computed exactly
#
# On the ball of radius R = 2 a linear f = 3 x1 + 4 x2 is minimized at x* = -R g/||g|| = (-6/5, -8/5), computed
# exactly by the library. Projected GD from 0 with eta = 1/10 moves along -g by 1/2 per step and lands on the
# sphere exactly at T = 4, where it stays. The claim is Beck & Teboulle's bound on min_{s<T} f(x_s) - f*;
# its twin divides the bound by 4.

# %%
ball_file = scratch / "ball.toml"
ball_file.write_text(toml_text({
    "problem": {"variables": ["x1", "x2"], "domain": "ball", "radius": "2", "regularizer": "euclidean",
                "objective": "3*x1 + 4*x2"},
    "run": {"x0": ["0", "0"], "eta": "1/10", "steps": 12, "precision_bits": 128},
    "claim": {"kind": "upper_bound", "quantity": "best_suboptimality",
              "bound": "(D0 + eta**2*G**2*T/(2*sigma))/(eta*T)"},
    "twin": {"why": "the bound divided by 4", "claim": {"bound": "(D0 + eta**2*G**2*T/(2*sigma))/(4*eta*T)"}},
}))
ball = checked_pair(ball_file)
ball_path = iterates(ball_file)
for t, x in enumerate(ball_path[:6]):
    print(t, [float(c) for c in x])
ball[False][1]

# %%
fig, ax = plt.subplots(figsize=(6.4, 4))
plot_pair(ax, ball, "Beck & Teboulle on the ball of radius 2")
plt.show()
for t, x in enumerate(ball_path):
    tenths = (-3 * min(t, 4), -4 * min(t, 4))  # x_t = -(3, 4) min(t, 4)/10, in tenths to stay exact
    assert all(abs(10 * c - w) < 1e-70 for c, w in zip(x, tenths)), (t, x)
assert ball[False][1].verdict == "holds" and ball[True][1].verdict == "violated"

# %% [markdown]
# ## Two simplices, one softmax per block, a solution at a vertex
#
# `domain = "simplices"`, `blocks = [2, 3]`: (x1, x2) and (x3, x4, x5) each on a simplex, the negative entropy
# summed over the blocks, and the step normalizes each block. f = x1 + (x2 - x4)^2 + x3/2 + x5 is convex and
# nonnegative there, and 0 at the vertex x* = (0, 1, 0, 1, 0) (certified by the variational inequality).
#
# The bound is Beck & Teboulle's with sigma = 1: the summed KL divergence is at least sum_b ||x_b - y_b||_1^2/2
# (Pinsker in each block), so phi is 1-strongly convex in the norm sqrt(sum_b ||x_b||_1^2), whose dual norm
# sqrt(sum_b ||g_b||_inf^2) is at most ||g||_2, and G here is the largest l2 norm of the gradients along the run
# (the checker says how it computed each constant; it does not supply a sigma for a product of simplices, so
# the 1 is written into the bound). The twin divides the bound by 4.

# %%
simplices_file = scratch / "simplices.toml"
simplices_file.write_text(toml_text({
    "problem": {"variables": ["x1", "x2", "x3", "x4", "x5"], "domain": "simplices", "blocks": [2, 3],
                "regularizer": "negative_entropy", "objective": "x1 + (x2 - x4)**2 + x3/2 + x5"},
    "run": {"x0": ["1/2", "1/2", "1/5", "3/10", "1/2"], "eta": "3/4", "steps": 60, "precision_bits": 128},
    "solution": {"x": ["0", "1", "0", "1", "0"]},
    "claim": {"kind": "upper_bound", "quantity": "best_suboptimality", "bound": "(D0 + eta**2*G**2*T/2)/(eta*T)"},
    "twin": {"why": "the bound divided by 4", "claim": {"bound": "(D0 + eta**2*G**2*T/2)/(4*eta*T)"}},
}))
simplices = checked_pair(simplices_file)
simplices[False][1]

# %%
m = simplices[False][1].measurement
for name in ("D0", "G", "fstar"):
    print(f"{name} = {float(m.constants[name][0]):.12g}: {m.provenance[name]}")
fig, ax = plt.subplots(figsize=(6.4, 4))
plot_pair(ax, simplices, "Beck & Teboulle on two simplices")
plt.show()
assert simplices[False][1].verdict == "holds" and simplices[True][1].verdict == "violated"
assert "variational inequality" in simplices[False][1].result.explanation

# %% [markdown]
# ## Online losses that depend on x: exponentiated gradient on portfolio log losses
#
# The library's `online/eg_log_loss.toml`: the losses f_t(x) = -log <a_t, x> of a portfolio whose price relatives
# a_t oscillate, so the gradient g_t = grad f_t(x_t) depends on the iterate and the run must evaluate it at each
# x_t (it cannot be fixed in advance, as linear losses are). Online MD with the negative entropy (exponentiated
# gradient) from the uniform start: regret_T <= log(d)/eta + eta G^2 T/2 against the best fixed point of the
# simplex in hindsight (Orabona 2019, Ch. 6). The twin tightens both constants (log(d)/(20 eta) + eta G^2 T/40).

# %%
online_file = LIBRARY / "online" / "eg_log_loss.toml"
online = checked_pair(online_file)
print(read_toml(online_file)["theorem"]["statement"])
online[False][1]

# %%
fig, ax = plt.subplots(figsize=(6.4, 4))
plot_pair(ax, online, "exponentiated gradient, log losses", log=False)
ax.set_ylabel("regret")
plt.show()

# %% [markdown]
# The regret stays under the theorem's bound at every step and crosses the twin's, as predicted. Its largest
# value over the 40 rounds is below 1 (about 0.96), far below log(3)/eta + eta G^2 T/2, which grows linearly in T
# at a fixed step.

# %%
claim, checked = online[False]
times, regret, bound = quantity_and_bound(checked, claim)
assert checked.verdict == "holds" and online[True][1].verdict == "violated"
assert all(checked.as_predicted for _, checked in online.values())
assert 0.9 < max(regret) < 1
assert all(r <= b for r, b in zip(regret[1:], bound[1:]))
