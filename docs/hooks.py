"""MkDocs hook: the tables that the code or the theorem library already states are generated at build time, so
that the pages cannot drift from them.

A page asks for a table with a marker line ``<!-- generated: NAME -->``; ``GENERATORS[NAME]`` writes it. The
key and quantity tables take their rows from the loaders' own key tables (``mdtheory.claimfile``,
``mdtheory.search.space``, ``mdtheory.worstcase``, ``mdtheory.sweep``, ``mdtheory.checker``) and their meanings from
``MEANINGS`` below: a key the code reads and this file does not explain, or one explained here that the code no
longer reads, is reported by ``missing_meanings`` (a warning, which ``mkdocs build --strict`` turns into a
failed build; ``tests/test_readme.py`` asserts the same without building). The theorem library's table is read
from ``mdtheory/theorems/*/*.toml``, and the command times from ``docs/data/command_times.json``, which
``benchmarks/command_times.py`` writes, and the worst-case table from ``docs/data/worst_case_table.json``, which
``benchmarks/worst_case_table.py`` writes (the README shows the same rendering; a test holds it to it).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG = logging.getLogger("mkdocs.plugins.mdtheory")
MARKER = re.compile(r"^<!-- generated: ([\w-]+) -->$", re.M)

# What each key of a claim file means: (section, key) -> text. "section" is the table's name in the file; the
# problem kind, where keys differ by kind, is in the kind's own key tables (mdtheory/problems/).
MEANINGS = {
    ("theorem", "name"): "the theorem's name, shown by `check`, in the report and in `proofs/`",
    ("theorem", "reference"): "where it is published",
    ("theorem", "statement"): "the statement, in the paper's notation",
    ("problem", "kind"): "`offline` (the default), `online`, `mdp`, `mirror_flow`, `saddle` or `stochastic` (MD with a noisy gradient oracle)",
    ("problem", "variables"): "the coordinates' names, or `{name = \"x\", d = 3}` for x1, ..., xd",
    ("problem", "domain"): "`reals`, `positive`, `simplex` or `box` (the open unit box), phi's own domain; or a "
                           "constraint set MD projects onto: `ball`, `box` with `lower` and `upper`, `simplices`, `marginals`; "
                           "online: the simplex (the default) or one of these sets",
    ("problem", "radius"): "with `domain = \"ball\"`: R, the ball {||x|| <= R} (a Euclidean phi)",
    ("problem", "lower"): "with `domain = \"box\"`: the lower bounds of the closed box (a Euclidean phi; clipping)",
    ("problem", "upper"): "with `domain = \"box\"`: the upper bounds of the closed box",
    ("problem", "blocks"): "with `domain = \"simplices\"`: the block sizes of a product of simplices (the negative "
                           "entropy; one softmax per block)",
    ("problem", "rows"): "with `domain = \"marginals\"`: the row sums a of the m x n plans X >= 0 (exact, positive; "
                         "the variables are X row-major; the negative entropy, projected by Sinkhorn's scaling)",
    ("problem", "columns"): "with `domain = \"marginals\"`: the column sums b of the plans (exact, positive, "
                            "summing to the rows' total)",
    ("problem", "regularizer"): "phi: a catalogue name, a table such as `{name = \"tsallis\", q = \"1/2\"}`, or an "
                                "expression in the variables; online: default `negative_entropy` (`euclidean` on a ball or a box)",
    ("problem", "objective"): "f, an expression in the variables (`abs`, `max`, `min` allowed); saddle: a smooth "
                              "f(x, y) in x1..xm and y1..yn, convex in x and concave in y, in place of `matrix` "
                              "(exactly one of the two)",
    ("problem", "losses"): "one expression in the round `t` per expert",
    ("problem", "loss_table"): "rows of exact numbers; round t uses row (t - 1) mod rows",
    ("problem", "loss"): "online: a convex loss f_t(x) of the played point, an expression in `t` and x1, ..., xd "
                         "(e.g. `-log(...)`); online MD steps on grad f_t(x_t), and regret is against the best fixed "
                         "point in hindsight, computed and certified by its Frank-Wolfe gap",
    ("problem", "dimension"): "online, with `loss`: d, the simplex's dimension (at most 16)",
    ("problem", "P"): "`P[s][a]`: next-state probabilities, exact, summing to 1",
    ("problem", "r"): "`r[s][a]`: rewards",
    ("problem", "gamma"): "the discount, in [0, 1)",
    ("problem", "rho"): "the start distribution over states",
    ("problem", "tau"): "entropy regularization (default 0); tau > 0 runs Cen et al.'s update, which needs eta <= (1 - gamma)/tau",
    ("run", "x0"): "the start (online: default uniform)",
    ("run", "direction"): "the perturbation's direction v (zero-sum on the simplex); sensitivity quantities only",
    ("run", "eps"): "the perturbation's size: the second run starts at x0 + eps v; required, with `direction`, "
                   "only for sensitivity quantities",
    ("run", "eta"): "the step size: an exact number, or (offline, online) a schedule eta_t, an expression in the step "
                   "index `t` and declared [constants] such as `\"1/sqrt(t+1)\"` or `\"2/(mu*(t+2))\"`; t counts from 0 "
                   "(eta_t makes x_{t+1} from x_t; online, the step after round t + 1), and eta_t must be positive at "
                   "every step t < steps (checked exactly, or in arb balls for a closed form). A bound then names "
                   "`sum_eta` or `etaT` (the same), not `eta`; mdp, an online `loss` f_t(x) and `falsify` take a constant eta",
    ("run", "steps"): "T, the number of steps (rounds); the bound is checked at every t <= T",
    ("run", "precision_bits"): "the ladder's base precision b: it runs b and 2b bits; 128 (the examples' value, which "
                              "the error for a missing key suggests) suits most claims, raise it when too few digits are "
                              "trusted",
    ("run", "record_every"): "record every k-th step for the JSON and plots (default 1); bounds 'for every t' "
                             "are still checked at every step",
    ("run", "float64"): "also run float64, to show where it departs (default true)",
    ("run", "backend"): "`mpmath` (the reference, default) or `flint` (arb numbers, faster)",
    ("run", "times"): "mirror_flow: the times t_1 < ... < t_N > 0 (exact) the flow is measured at; a bound in `t` "
                      "is checked at these times only, not between them",
    ("run", "flow"): "mirror_flow: `\"mirror\"` (d/dt grad phi(X) = -grad f(X), default) or `\"accelerated\"` (Krichene, "
                     "Bayen & Bartlett's accelerated mirror ODE X' = (r/t)(grad phi*(Z) - X), Z' = -(t/r) grad f(X), with `r`)",
    ("run", "r"): "mirror_flow with flow = \"accelerated\": the ODE's r > 0, exact (its rate r^2 D0/t^2 is a theorem for "
                  "r >= 2); a bound may name it",
    ("run", "enclosure"): "mirror_flow (plain flow, upper_bound): `true` also encloses X(t) in arb balls by validated "
                          "Taylor steps; a bound under every ball at every stated time is `proved` there (state "
                          "`[claim] expected = \"proved\"`); default false",
    ("run", "step_convention"): "mdp: how eta scales the step on Q: `\"agarwal\"` (default, pi exp(eta Q/(1 - gamma)), "
                                "Agarwal et al. 2021, Cen et al. 2022) or `\"xiao\"` (pi exp(eta Q), Xiao 2022; tau = 0); "
                                "the update is printed with the result",
    ("run", "method"): "the update rule: `md` (plain mirror descent, default), `accelerated` (Tseng's accelerated "
                       "method), `dual_averaging` (Nesterov's), `composite_md` (COMID) or `rda` (Xiao's regularized "
                       "dual averaging), `ftrl` (follow the regularized leader: dual averaging with beta = 1); on "
                       "an online problem `md` (default) or `ftrl` (x_{t+1} = argmin <L_t, x> + D_phi(x, x0)/eta, "
                       "L_t the losses so far; Hedge on the simplex, lazy projection on a set); on a saddle problem "
                       "`mirror_prox` (default), `mwu` or `optimistic_mwu`; "
                       "or a registered plug-in (docs/add-a-method.md); "
                       "not `[worst_case] method`, which names a performance-estimation class",
    ("method", "beta"): "dual_averaging's and rda's schedule beta(k), an expression in k: beta_k = beta(k)/eta (default "
                        "`\"1\"`, lazy MD at the constant step eta)",
    ("method", "l1"): "composite_md's and rda's composite term r(x) = lambda ||x||_1: lambda >= 0, an exact number "
                      "(default `\"0\"`); handled by its prox, and the quantities (f(x_t), f*, ...) are about f + r",
    ("problem", "operator"): "saddle: a monotone variational inequality, F(x, y) given directly as expressions, one per "
                             "variable (x1..xm then y1..yn), in place of `matrix` or `objective`",
    ("problem", "matrix"): "saddle: the payoff matrix A of min_x max_y x^T A y, rows of exact numbers (x plays "
                           "a row, y a column)",
    ("problem", "equilibrium"): "saddle: `{x = [...], y = [...]}`, the equilibrium `equilibrium_distance` is measured "
                                "to, checked exactly (a duality gap of 0 on the simplices, F(z*) = 0 on R^n)",
    ("run", "y0"): "saddle: the column player's start (default uniform on the simplex)",
    ("run", "pi0"): "the initial policy: `\"uniform\"` (default) or one row per state; mdp problems run NPG "
                    "(policy MD with KL), Cen et al.'s update when tau > 0",
    ("constants", "*"): "any name = an exact number the bound uses; `L`, `mu`, `G` and (Euclidean) `sigma` are checked at "
                        "every iterate, and one the instance contradicts is refused with the evidence; a constant "
                        "the instance computes (eta, d, G, fstar, D0, L and mu where derived) may not be restated",
    ("solution", "x"): "x*: a point of the closed domain (a vertex or face too), or `\"computed\"` (default: exact "
                       "for a linear f, else Newton on the optimality conditions, per rung)",
    ("solution", "comparators"): "more reference points of the closed domain; a 'for every x' bound is checked at each",
    ("solution", "limit"): "`{A, b, geometry}`: argmin D(x, x0) s.t. A x = b in phi's geometry "
                           "(`\"regularizer\"`) or GD's (`\"euclidean\"`)",
    ("claim", "kind"): "the bound kind (table below)",
    ("claim", "expected"): "the verdict the claim predicts: `holds` (default) or `violated`; `proved` only for a mirror_flow "
                           "claim with `[run] enclosure = true` (the problem kind says whether it can prove; a "
                           "kind judged on the precision ladder alone is refused)",
    ("claim", "norm"): "`l1`, `l2` or `linf`: the norm of sigma, G in its dual (default: phi's own: l1 for the "
                       "entropy on the simplex, l_p for a p_norm regularizer, else l2)",
    ("claim", "quantity"): "what is bounded (quantities below); default `amplification`, or the problem kind's "
                           "first quantity",
    ("claim", "bound"): "an expression in `T`, `etaT`, `eps` and the instance's constants",
    ("claim", "constant"): "C in C rho^T",
    ("claim", "rho"): "rho in C rho^T",
    ("claim", "rate"): "the growth rate c per unit eta*T (exponential_growth: omitted means some c > 0)",
    ("claim", "window"): "the eta*T window of the fit, `[\"1\", \"12\"]` (default: the whole run)",
    ("claim", "exact"): "true: the rate equals c (within 3 standard errors, or `rate_tolerance`), not at least c",
    ("claim", "rate_tolerance"): "a relative band for an exact rate, e.g. `\"1/100\"` (none is added silently)",
    ("claim", "level"): "the saturation level, an expression in `eps`",
    ("claim", "factor"): "the band's factor (default 10)",
    ("claim", "tolerance"): "||x_T - limit|| at the last step is at most this",
    ("noise", "values"): "stochastic: the noise vectors xi added to grad f (one exact fraction per variable; plain "
                         "numbers in dimension 1); each step draws one independently",
    ("noise", "probabilities"): "stochastic: one exact probability per value, each > 0, summing exactly to 1",
    ("noise", "enumeration_budget"): "stochastic: the most noise sequences (k^T for k values and T steps) run and "
                                     "weighted exactly (default 4096); beyond it the claim is sampled and its verdict "
                                     "is `holds at confidence c (n = N samples)`, never `holds`",
    ("noise", "samples"): "stochastic, sampled: how many noise sequences are drawn (default 1000)",
    ("noise", "confidence"): "stochastic, sampled: the confidence c of the verdict, exact in (0, 1) (default 0.99)",
    ("noise", "seed"): "stochastic, sampled: the random seed of the draw (default 0)",
    ("noise", "range"): "stochastic, sampled: `[low, high]`, a range every sample of an expectation's quantity lies "
                        "in (Hoeffding's inequality assumes it; it is checked on every sample); required to sample an "
                        "expectation",
    ("noise", "delta"): "stochastic: the tail probability of the `quantile_*` quantities: a bound b on them states "
                        "P[Q_t <= b] >= 1 - delta",
    ("twin", "why"): "the planted error, in words",
    ("twin", "expected"): "what the twin predicts (default `violated`)",
    ("twin", "problem"): "keys overriding the claim's `[problem]`",
    ("twin", "run"): "keys overriding `[run]`",
    ("twin", "constants"): "keys overriding `[constants]`",
    ("twin", "solution"): "keys overriding `[solution]`",
    ("twin", "claim"): "keys overriding `[claim]`",
    ("twin", "search"): "keys overriding `[search]`",
    ("twin", "method"): "keys overriding `[method]` (a method's options)",
    ("search", "x0"): "a `[low, high]` box per coordinate, or `\"domain\"` on the simplex (default: `[run] x0`)",
    ("search", "margin"): "with `x0 = \"domain\"`: every coordinate at least this (default 1/1000)",
    ("search", "direction"): "`\"any\"` (the unit sphere, or its tangent space on the simplex) or a fixed list",
    ("search", "eta"): "an interval (default: `[run] eta` alone)",
    ("search", "parameters"): "free names of the objective (or losses) with an interval each",
    ("search", "d"): "dimensions to try, for a problem written for every d",
    ("search", "regularizer"): "a catalogue regularizer's parameters, each an interval",
    ("search", "levels"): "how many equally spaced values per structural parameter (default 5)",
    ("search", "candidates"): "the screen's budget in candidates",
    ("search", "seconds"): "the screen's budget in seconds (default 60)",
    ("search", "seed"): "the random seed (default 0)",
    ("worst_case", "method"): "`gd`, `md` or `mahalanobis`",
    ("worst_case", "eta"): "the step size, exact",
    ("worst_case", "horizons"): "the T to solve for, each at most 40 (md: 30; md suboptimality: 20); or \"all\": "
                                "for every T, by a potential (docs/every-t.md)",
    ("worst_case", "L_f"): "f convex and L_f-smooth (default 1)",
    ("worst_case", "mu_phi"): "phi mu_phi-strongly convex (md, mahalanobis)",
    ("worst_case", "L_phi"): "phi L_phi-smooth (md, mahalanobis)",
    ("worst_case", "quantity"): "`amplification` (default) or `suboptimality`",
    ("worst_case claim", "bound"): "amplification <= bound, an expression in `T`, `etaT`",
    ("worst_case claim", "expected"): "`proved` (default) or `violated`",
    ("sweep", "results"): "the results file, relative to the current directory (default `STEM.jsonl` there)",
    ("sweep", "precision_bits"): "the ladder's base precision",
    ("sweep", "record_every"): "record every k-th step",
    ("sweep problem", "start"): "`uniform`, `zipf:S`, `min:P` or `wordfreq:LANG`",
    ("sweep problem", "spread"): "the linear cost's spread",
    ("grid", "eps"): "perturbation sizes",
    ("grid", "eta"): "step sizes",
    ("grid", "T"): "horizons",
    ("grid", "d"): "dimensions (at most 1000)",
    ("grid", "lambda"): "fixed-anchor strengths toward the uniform distribution (`\"0\"`: none)",
    ("grid", "regularizer"): "catalogue regularizers on the simplex",
    ("sweep claim", "kind"): "as in claim files, on amplification, tangent_amplification or separation",
}

QUANTITY_MEANINGS = {
    "amplification": "||x_t - x'_t|| / ||x_0 - x'_0||: how much the two runs' distance has grown (Euclidean norm)",
    "tangent_amplification": "||J_t v|| / ||v||: the same in the limit eps -> 0, with J_t the T-step map's Jacobian",
    "separation": "||x_t - x'_t||_2: the two runs' distance itself",
    "worst_case_amplification": "the operator norm of J_t over every allowed direction (up to dimension 20)",
    "suboptimality": "f(x_t) - f(r), r the reference point (x*, a comparator or a limit)",
    "best_suboptimality": "min over s < t of f(x_s) - f(r)",
    "average_suboptimality": "f at the mean of x_0, ..., x_{t-1}, minus f(r)",
    "bregman_to_solution": "D_phi(r, x_t)",
    "distance_to_solution": "||x_t - r||",
    "regret": "sum over s < t of <l_s, x_s> minus the best fixed expert's loss in hindsight",
    "duality_gap": "saddle: max_j (A^T xbar)_j - min_i (A ybar)_i at the average of the points played in rounds "
                   "0..T-1 (mirror-prox: the extrapolations w_t), T >= 1; for an `objective` f, max_y f(xbar, y) - "
                   "min_x f(x, ybar), each inner problem solved at each rung's precision",
    "vi_gap": "saddle with an `operator`: max over the simplices of <F(u), zbar - u> at the average of the points "
              "played, F affine (a concave quadratic program solved at each rung's precision), T >= 1",
    "operator_residual": "saddle with an `operator` on R^n: ||F(z_t)||_2 at the iterate",
    "regret_x": "saddle: sum_t x_t^T A y_t - min_i sum_t (A y_t)_i, the row player's regret over the points played",
    "regret_y": "saddle: max_j sum_t (A^T x_t)_j - sum_t x_t^T A y_t, the column player's",
    "equilibrium_distance": "saddle: ||z_t - z*||_2, the last iterate's distance to `[problem] equilibrium`",
    "value_gap": "V*(rho) - V^{pi_t}(rho)",
    "soft_q_gap": "||Q* - Q^{pi_t}||_inf (soft versions for tau > 0)",
    "log_policy_gap": "||log pi* - log pi_t||_inf (tau > 0)",
    "expected_suboptimality": "E[f(x_t)] - f*, over the [noise] law (exact by enumeration, or sampled)",
    "expected_average_suboptimality": "E[f(mean of x_0, ..., x_{t-1})] - f*",
    "quantile_suboptimality": "the (1 - delta)-quantile of f(x_t) - f*: a bound b on it is P[f(x_t) - f* <= b] >= 1 - delta",
    "quantile_average_suboptimality": "the (1 - delta)-quantile of f(mean of x_0, ..., x_{t-1}) - f*",
}

CONSTANT_MEANINGS = {
    "T": "the step (round) the bound is evaluated at",
    "etaT": "eta * T; with a step-size schedule, sum_eta",
    "t": "mirror_flow: the time (the same symbol as etaT, MD's elapsed time eta * T)",
    "sum_eta": "sum_{s<T} eta_s (eta * T for a constant eta)",
    "sum_eta2": "sum_{s<T} eta_s^2",
    "sum_g2": "sum_{s<T} ||g_s||_*^2: g_s the gradient (online: the loss) step s used, in the claim's dual norm "
              "(online: linf)",
    "eps": "the perturbation's size (sensitivity claims)",
    "eta": "the step size",
    "d": "the dimension (number of experts online)",
    "m": "saddle: the row player's strategies (A's rows)",
    "n": "saddle: the column player's strategies (A's columns)",
    "Amax": "saddle: max_ij |A_ij|, the Lipschitz constant of F(x, y) = (A y, -A^T x) from l1 x l1 to its dual",
    "Omega": "saddle: max over the simplices of D_phi(z, z0), exact (at a vertex of each simplex)",
    "G": "the largest dual norm of the gradients (losses) used",
    "sigma": "phi's strong convexity in the claim's norm: exact for quadratic phi, Pinsker's 1 for entropy on the "
             "simplex, p - 1 in l_p for `p_norm` (G then in l_q, q = p/(p - 1))",
    "L": "f's smoothness relative to phi (exact relative eigenvalue when f and phi are quadratic); saddle with an "
         "`objective`: a Lipschitz constant of F = (grad_x f, -grad_y f), exact for a quadratic f (else declare it)",
    "mu": "f's strong convexity relative to phi",
    "fstar": "f at the reference point",
    "D0": "D_phi(reference point, x0)",
    "r0": "r(x0), the composite term at the start (methods `composite_md` and `rda`)",
    "r": "mirror_flow with flow = \"accelerated\": the ODE's parameter r ([run] r)",
    "gamma": "the discount",
    "tau": "the entropy regularization",
    "A": "the largest number of actions",
    "S": "the number of states",
    "Vgap0": "V*(rho) - V^{pi_0}(rho)",
    "Qgap0": "||Q* - Q^{pi_0}||_inf",
    "logpigap0": "||log pi* - log pi_0||_inf (tau > 0)",
    "noise_var": "stochastic: E||xi||_*^2 over the [noise] law, exact (the claim's dual norm; l2 by default); "
                 "stochastic claims' sum_g2 is E[sum_{s<T} ||g_s||_*^2], exact under enumeration",
}


def key_tables() -> dict[str, dict[str, bool]]:
    """Every section a file reads, with its keys and whether each is required, from the loaders' tables."""
    claimfile, space, sweep, worstcase = (importlib.import_module(f"mdtheory.{name}") for name in (
        "claimfile", "search.space", "sweep", "worstcase"))
    from mdtheory.methods import method
    from mdtheory.problems import BUILT_IN_KINDS, problem_kind

    tables = {}
    for kind in BUILT_IN_KINDS:
        tables[f"problem ({kind})"] = problem_kind(kind).problem_keys
    for kind in BUILT_IN_KINDS:
        tables[f"run ({kind})"] = problem_kind(kind).run_keys
    tables["method"] = {key: False for name in ("md", "accelerated", "dual_averaging", "composite_md", "rda")
                        for key in method(name).options}
    tables["noise"] = problem_kind("stochastic").noise_keys
    tables["theorem"] = claimfile.THEOREM_KEYS
    tables["solution"] = claimfile.SOLUTION_KEYS
    tables["claim (every kind)"] = claimfile.COMMON_CLAIM_KEYS
    for kind, keys in claimfile.CLAIM_KEYS.items():
        tables[f"claim ({kind})"] = keys
    tables["twin"] = claimfile.TWIN_KEYS
    tables["search"] = {**space.SEARCH_KEYS, **space.THEOREM_SEARCH_KEYS}
    tables["worst_case"] = worstcase.WORST_CASE_KEYS
    tables["worst_case claim"] = worstcase.CLAIM_KEYS
    tables["sweep"] = sweep.SECTIONS["sweep"]
    tables["sweep problem"] = sweep.SECTIONS["problem"]
    tables["grid"] = sweep.SECTIONS["grid"]
    tables["sweep claim"] = sweep.SECTIONS["claim"]
    return tables


def _meaning_key(table: str, key: str) -> tuple[str, str]:
    section = table.split(" (", 1)[0]
    return section, key


def missing_meanings() -> list[str]:
    """What the code and MEANINGS disagree on: keys read without a meaning here, meanings of keys no one reads,
    and the same for quantities and the constants a bound may name."""
    from mdtheory.checker.bounds import QUANTITIES
    from mdtheory.problems import BUILT_IN_KINDS, problem_kind

    read = {_meaning_key(table, key) for table, keys in key_tables().items() for key in keys}
    problems = [f"[{s}] {k}: read by the code, not explained in docs/hooks.py MEANINGS" for s, k in sorted(read - set(MEANINGS))]
    problems += [f"[{s}] {k}: explained in docs/hooks.py MEANINGS, read by no loader" for s, k in sorted(set(MEANINGS) - read)
                 if k != "*"]
    measured = (*QUANTITIES, *(q for kind in BUILT_IN_KINDS for q in problem_kind(kind).quantities if q not in QUANTITIES))
    problems += [f"quantity {q}: not explained" for q in measured if q not in QUANTITY_MEANINGS]
    problems += [f"quantity {q}: explained, measured by no kind" for q in QUANTITY_MEANINGS if q not in measured]
    names = {n for kind in BUILT_IN_KINDS for n in problem_kind(kind).bound_symbols(set())}
    problems += [f"bound name {n}: not explained" for n in sorted(names - set(CONSTANT_MEANINGS))]
    problems += [f"bound name {n}: explained, never offered to a bound" for n in sorted(set(CONSTANT_MEANINGS) - names)]
    return problems


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def claim_keys() -> str:
    rows = ["| section | key | required | meaning |", "|---|---|---|---|"]
    for table, keys in key_tables().items():
        for key, required in keys.items():
            meaning = MEANINGS.get(_meaning_key(table, key), "**not documented**")
            rows.append(f"| `[{table}]` | `{key}` | {'yes' if required else 'no'} | {_cell(meaning)} |")
    rows.append(f"| `[constants]` | any name | no | {_cell(MEANINGS[('constants', '*')])} |")
    return "\n".join(rows)


def quantities() -> str:
    from mdtheory.checker import bounds
    from mdtheory.problems import problem_kind

    families = {"sensitivity (offline, with `direction` and `eps`)": bounds.SENSITIVITY_QUANTITIES,
                "convergence (offline)": bounds.CONVERGENCE_QUANTITIES, "online": bounds.ONLINE_QUANTITIES,
                "policy (mdp)": bounds.MDP_QUANTITIES, "saddle": problem_kind("saddle").quantities,
                "stochastic": problem_kind("stochastic").quantities}
    rows = ["| quantity | problems | definition |", "|---|---|---|"]
    for family, names in families.items():
        rows += [f"| `{name}` | {family} | {_cell(QUANTITY_MEANINGS.get(name, '**not documented**'))} |" for name in names]
    return "\n".join(rows)


def bound_names() -> str:
    from mdtheory.problems import BUILT_IN_KINDS, problem_kind

    rows = ["| problem kind | names a bound may use |", "|---|---|"]
    for kind in BUILT_IN_KINDS:
        rows.append(f"| {kind} | " + ", ".join(f"`{n}`" for n in problem_kind(kind).bound_symbols(set())) + " |")
    rows += ["", "| name | meaning |", "|---|---|"]
    rows += [f"| `{name}` | {_cell(text)} |" for name, text in CONSTANT_MEANINGS.items()]
    return "\n".join(rows)


def library() -> str:
    """One row per claim file of the theorem library: its theorem, reference, statement and planted error."""
    from mdtheory.theorems import LIBRARY

    rows = ["| family | file | theorem | statement | planted-false twin |", "|---|---|---|---|---|"]
    for path in sorted(LIBRARY.glob("*/*.toml")):
        data = tomllib.loads(path.read_text())
        theorem = data.get("theorem", {})
        name = theorem.get("name", "")
        if theorem.get("reference"):
            name += f" ({theorem['reference']})"
        rows.append(f"| {path.parent.name} | `{path.stem}` | {_cell(name)} | {_cell(theorem.get('statement', ''))} | "
                    f"{_cell(data.get('twin', {}).get('why', 'none'))} |")
    return "\n".join(rows)


def _benchmark(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def command_times() -> str:
    module = _benchmark("command_times")
    return module.table(module.load())


def worst_case_table() -> str:
    """The README's worst-case table, rendered by the same function from the same JSON."""
    module = _benchmark("worst_case_table")
    return module.table(module.load())


GENERATORS = {"claim-keys": claim_keys, "quantities": quantities, "bound-names": bound_names, "library": library,
              "command-times": command_times, "worst-case-table": worst_case_table}


def expand(markdown: str) -> str:
    """The page with each marker replaced by its generated table (an unknown marker is an error)."""
    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in GENERATORS:
            raise KeyError(f"<!-- generated: {name} -->: no such generator (known: {', '.join(GENERATORS)})")
        return GENERATORS[name]()

    return MARKER.sub(replace, markdown)


def on_config(config, **kwargs):
    for problem in missing_meanings():
        LOG.warning(problem)
    return config


def on_page_markdown(markdown, page, config, files, **kwargs):
    return expand(markdown)
