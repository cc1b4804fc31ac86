"""Re-check mdtheory's proofs for every T from their data alone: Python's standard library, exact fractions.

    python proofs/check_every_t.py DIR_OR_FILE.json [...]

Each file is a document of schema mdtheory-every-t-certificate/1 (docs/every-t.md), written by
``mdtheory worst-case CLAIM.toml --certificate DIR`` for a claim with ``horizons = "all"``. It imports nothing
from mdtheory (only this folder's check_certificate.py, for the class's interpolation inequality and the exact
forms). It rebuilds, from the claim's method, eta and class constants alone, the one-step problem (two runs,
the second started at the origin, GD's second gradient 0: translations and tilts that keep the class), the
potential V = ||x - x'||^2 (GD) or s^T P s with s = (y - y', x - x') (MD), and each part's objective:

  step   V(s_1) - rho^2 V(s_0) <= 0        norm   ||x - x'||^2 - V(s) <= 0      start   V(s) - C ||x - x'||^2 <= 0

and checks, per part: every inequality is the class's between the stated points (rebuilt); the points are the
rebuilt ones; every multiplier and d_r >= 0; the multipliers cancel the function values; the residual is
sum_k lambda_k H_k - H; it equals sum_r d_r l_r l_r^T; and the constants leave objective <= 0. Then by weak
duality each part holds for every f (and phi) of the class, and by induction on T, for every T >= 1,
||x_T - x'_T||^2 <= C rho^(2T) ||x_0 - x'_0||^2 (C = 1 for GD). For the suboptimality the potential is
phi_k = eta k (f(x_k) - f*) + D(x*, x_k) and the step's multipliers are c0 + c1 k: the part free of k (with c0)
and the part per unit k (with c1) are checked alike, so phi_(k+1) <= phi_k for every k and
f(x_T) - f* <= 1/(eta T) when D(x*, x_0) <= 1. Exit 0 when every file passes.
"""

import sys
from fractions import Fraction as Q
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # python -I does not put this folder on the path
from check_certificate import add, main as check_files, inner, interpolation, lin, read_form, require  # noqa: E402

SCHEMA = "mdtheory-every-t-certificate/1"


def problem(method, eta, L_f, mu_phi, L_phi, steps):
    """(functions as [(L, mu, [(x, g, f), ...])], states, number of points): mdtheory's leaf order."""
    counter = {"points": 0, "values": 0}

    def leaf(kind):
        counter[kind] += 1
        return {counter[kind] - 1: Q(1)}

    f_points = []
    if method == "gd":
        x, x_ = leaf("points"), {}
        states = [(lin((1, x), (-1, x_)),)]
        if steps:
            g = leaf("points")
            f_points = [(x, g, leaf("values")), (x_, {}, leaf("values"))]
            states.append((lin((1, x), (-eta, g), (-1, x_)),))
        return ([(L_f, Q(0), f_points)] if steps else []), states, counter["points"]
    h_points, states = [], []
    y, y_ = leaf("points"), {}
    g, g_ = (leaf("points"), leaf("points")) if steps else (None, None)
    for t in range(steps + 1):
        x, x_ = leaf("points"), ({} if t == 0 else leaf("points"))
        h_points += [(y, x, leaf("values")), (y_, x_, leaf("values"))]
        states.append((lin((1, y), (-1, y_)), lin((1, x), (-1, x_))))
        if t < steps:
            f_points = [(x, g, leaf("values")), (x_, g_, leaf("values"))]
            y, y_ = lin((1, y), (-eta, g)), lin((1, y_), (-eta, g_))
    h = (1 / mu_phi, 1 / L_phi, h_points)  # h = phi* is (1/L_phi)-strongly convex and (1/mu_phi)-smooth
    return ([(L_f, Q(0), f_points)] if steps else []) + [h], states, counter["points"]


def potential(method, P, state):
    if method == "gd":
        return (inner(state[0], state[0]), {}, Q(0))
    dy, dx = state
    return add((P["p11"], (inner(dy, dy), {}, 0)), (2 * P["p12"], (inner(dy, dx), {}, 0)),
               (P["p22"], (inner(dx, dx), {}, 0)))


def expected_parts(claim, P):
    """{name: (functions, n, objective)} rebuilt from the claim."""
    method, eta, L_f = claim["method"], Q(claim["eta"]), Q(claim["L_f"])
    mu_phi, L_phi = (None, None) if method == "gd" else (Q(claim["mu_phi"]), Q(claim["L_phi"]))
    rho2, C = Q(claim["rho_squared"]), Q(claim["constant"])
    functions, states, n = problem(method, eta, L_f, mu_phi, L_phi, 1)
    step = add((1, potential(method, P, states[1])), (-rho2, potential(method, P, states[0])))
    parts = {"step": (functions, n, step)}
    if method == "md":
        functions, states, n = problem(method, eta, L_f, mu_phi, L_phi, 0)
        v, dx = potential(method, P, states[0]), states[0][1]
        square = (inner(dx, dx), {}, Q(0))
        parts["norm"] = (functions, n, add((1, square), (-1, v)))
        parts["start"] = (functions, n, add((1, v), (-C, square)))
    else:
        require(C == 1, "GD's constant is not 1 (V is ||x - x'||^2 itself)")
    return parts


def check_part(part, functions, n, objective):
    require(part["points"] == n, "the number of points is not the rebuilt problem's")
    stated = [(Q(fn["L"]), Q(fn["mu"]), [tuple({k: Q(c) for k, c in p[w]} for w in ("x", "g", "f"))
                                         for p in fn["points"]]) for fn in part["functions"]]
    require(stated == functions, "the functions' classes or points are not the rebuilt problem's")
    require(read_form(part["objective"]) == objective, "the objective is not the claim's")
    multipliers, forms = [], []
    for inequality in part["inequalities"]:
        which = inequality["which"]
        k, i, j = which["function"], which["i"], which["j"]
        require(0 <= k < len(functions) and i != j and 0 <= i < len(functions[k][2]) and 0 <= j < len(functions[k][2]),
                f"bad label {which}")
        L, mu, points = functions[k]
        form = read_form(inequality["form"])
        require(form == interpolation(L, mu, *points[i], *points[j]), f"inequality {which} is not the class's")
        multipliers.append(Q(inequality["multiplier"]))
        forms.append(form)
    require(all(m >= 0 for m in multipliers), "a multiplier is negative")
    total = add(*[(m, form) for m, form in zip(multipliers, forms)], (-1, objective))
    require(not total[1], "the multipliers do not cancel the function values")
    require(total[2] <= 0, "the constants leave the objective above 0")
    residual = [[Q(v) for v in row] for row in part["residual"]]
    require(len(residual) == n and all(len(row) == n for row in residual), "the residual is not n x n")
    require(all(residual[i][j] == total[0].get((i, j), 0) for i in range(n) for j in range(n)),
            "the residual is not sum_k lambda_k H_k - H")
    factored = [[Q(0)] * n for _ in range(n)]
    for factor in part["ldlt"]:
        d, l = Q(factor["d"]), [Q(v) for v in factor["l"]]
        require(d >= 0 and len(l) == n, "a factor has d < 0 or the wrong length")
        for i in range(n):
            for j in range(n):
                factored[i][j] += d * l[i] * l[j]
    require(factored == residual, "the residual is not sum_r d_r l_r l_r^T")


def rate_parts(claim):
    """The suboptimality's one step (phi_k = eta k (f_k - f*) + D(x*, x_k), x* = y* = 0, f* = 0, grad f(x*) = 0):
    {name: (functions, n, objective)} for the part free of k and the part per unit k (multipliers c0 and c1;
    lambda(k) = c0 + c1 k and S(k) = S0 + k S1, so both parts hold for every k >= 0)."""
    method, eta, L_f = claim["method"], Q(claim["eta"]), Q(claim["L_f"])
    require(claim["rate"] == f"{1 / eta}/T", "the rate is not 1/(eta T)")
    point = lambda i: {i: Q(1)}
    star = ({}, {}, {})
    if method == "gd":
        x, g, g1, fk, fk1 = point(0), point(1), point(2), point(0), point(1)
        x1 = lin((1, x), (-eta, g))
        functions, n = [(L_f, Q(0), [star, (x, g, fk), (x1, g1, fk1)])], 3
        distance = add((Q(1, 2), (inner(x1, x1), {}, 0)), (Q(-1, 2), (inner(x, x), {}, 0)))
    else:
        y, g, x, g1, x1 = (point(i) for i in range(5))
        hs, hk, hk1, fk, fk1 = (point(i) for i in range(5))
        h_points = [({}, {}, hs), (y, x, hk), (lin((1, y), (-eta, g)), x1, hk1)]
        h = (1 / Q(claim["mu_phi"]), 1 / Q(claim["L_phi"]), h_points)
        functions, n = [(L_f, Q(0), [star, (x, g, fk), (x1, g1, fk1)]), h], 5
        distance = ({}, lin((1, hk1), (-1, hk)), Q(0))
    return {"step, free of k": (functions, n, add((1, distance), (eta, ({}, fk1, 0)))),
            "step, per unit k": (functions, n, ({}, lin((eta, fk1), (-eta, fk)), Q(0)))}


def check(document):
    require(document.get("schema") == SCHEMA, f"schema is not {SCHEMA}")
    claim = document["claim"]
    require(claim["method"] in ("gd", "md"), "not gd or md")
    if claim["quantity"] == "suboptimality":
        parts = rate_parts(claim)
        require([part["name"] for part in document["parts"]] == list(parts), f"the parts are not {', '.join(parts)}")
        for part in document["parts"]:
            check_part(part, *parts[part["name"]])
        return claim["statement"]
    require(claim["quantity"] == "amplification", "neither an amplification nor a suboptimality")
    require(Q(claim["rho_squared"]) >= 1 and Q(claim["constant"]) > 0, "rho^2 below 1 or C not positive")
    P = {key: Q(value) for key, value in document["potential"].items()}
    require(set(P) == ({"p11", "p12", "p22"} if claim["method"] == "md" else set()), "P is not the method's")
    parts = expected_parts(claim, P)
    require([part["name"] for part in document["parts"]] == list(parts), f"the parts are not {', '.join(parts)}")
    for part in document["parts"]:
        check_part(part, *parts[part["name"]])
    return claim["statement"]


def main(arguments):
    return check_files(arguments, check, "*every_T.json", "check_every_t.py")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
