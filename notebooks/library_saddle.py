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
# # Theorem library: saddle points and games
#
# min_x max_y x^T A y on two probability simplices (a zero-sum matrix game) is the problem kind `saddle`
# (`mdtheory/problems/saddle.py`); three methods run on it, each one file in `mdtheory/methods/`, chosen by
# `[run] method`:
#
# | method | update (F(x, y) = (A y, -A^T x), each step a mirror step of phi on each player's block) |
# |---|---|
# | `mirror_prox` | w = MD step from z on F(z), z+ = MD step from z on F(w); plays w (Nemirovski 2004) |
# | `mwu` | z+ = MD step from z on F(z), both players at once; plays z |
# | `optimistic_mwu` | z+ = MD step from z on 2 F(z) - F(z_prev); plays z (Rakhlin & Sridharan 2013) |
#
# Quantities: `duality_gap` of the averaged played points, `regret_x` and `regret_y` (each player's regret in
# hindsight), `equilibrium_distance` (the last iterate's distance to a stated, exactly checked equilibrium).
# **What a verdict means.** `holds` says the bound holds on this instance at every step, on digits the precision
# ladder trusts; it is not a proof of the theorem. Each theorem has a planted-false `[twin]` that must come out
# `violated` ("as predicted").

# %%
from mdtheory.claims import load_all
from mdtheory.claims import theorem_library as claim

print(claim.__doc__)

# %%
report = load_all()["library_saddle"](quick=True)
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
# ## The three methods' last iterates on the same game
#
# On A = diag(1, 2) (equilibrium x* = y* = (2/3, 1/3)) simultaneous MWU's last iterate circles away from the
# equilibrium while mirror-prox's and optimistic MWU's converge to it (Daskalakis & Panageas, ITCS 2019); the
# averages of all three approach it. The claim `equilibrium_distance <= 1` is checked for each: MWU's comes out
# violated.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

import mdtheory
from mdtheory.claimfile import read_toml, toml_text
from mdtheory.theorems import LIBRARY

scratch = Path(tempfile.mkdtemp(prefix="mdtheory-saddle-"))
tables = read_toml(LIBRARY / "saddle" / "nemirovski_mirror_prox.toml")
tables.pop("twin"), tables.pop("search"), tables.pop("theorem")
tables["claim"] = {"kind": "upper_bound", "quantity": "equilibrium_distance", "bound": "1"}
figure, axis = plt.subplots(figsize=(6, 3.5))
for rule in ("mirror_prox", "mwu", "optimistic_mwu"):
    tables["run"]["method"] = rule
    path = scratch / f"{rule}.toml"
    path.write_text(toml_text(tables))
    checked = mdtheory.check(path)
    m = checked.measurement
    print(f"{rule:15s} {checked.result.verdict:9s} ||z_T - z*|| = {float(m.values('equilibrium_distance')[-1]):.3g}")
    axis.semilogy(m.t, [float(v) for v in m.values("equilibrium_distance")], label=rule)
axis.set_xlabel("t")
axis.set_ylabel("||z_t - z*||_2")
axis.legend()
plt.show()

# %% [markdown]
# ## A claim file of this family
#
# This is all it takes to state one of these theorems; `mdtheory check FILE` checks it and
# `mdtheory check FILE --twin` checks its planted-false twin.

# %%
print((LIBRARY / "saddle" / "nemirovski_mirror_prox.toml").read_text())
