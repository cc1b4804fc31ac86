"""Re-check mdtheory worst-case certificates from their data alone: Python's standard library, exact fractions.

    python proofs/check_certificate.py DIR_OR_FILE.json [...]

Each file is a certificate document (schema mdtheory-worst-case-certificate/1, docs/certificates.md) written by
``mdtheory worst-case CLAIM.toml --certificate DIR``. It imports nothing from mdtheory. For each it checks:

1. the class: every interpolation inequality is the class's (convex L-smooth f; mu-strongly convex L-smooth
   h = phi*) between the stated points of its function, rebuilt here from the points' coordinates, with the
   class constants the claim states;
   (for extragradient: monotone, <g_i - g_j, x_i - x_j> >= 0, or L-Lipschitz, ||g_i - g_j|| <= L ||x_i - x_j||);
2. the method: the points follow GD (x_{t+1} = x_t - eta g_t), dual MD (y_{t+1} = y_t - eta g_t,
   x_t = grad h(y_t)), the fast gradient method (x_{t+1} = y_t - eta g(y_t), y_{t+1} = x_{t+1} + t/(t + 3)
   (x_{t+1} - x_t)) or extragradient (x~_t = x_t - eta F(x_t), x_{t+1} = x_t - eta F(x~_t)) from free starting
   points, gradients and values (each its own leaf), and the initial condition and the objective are the
   claim's, rebuilt here;
3. signs: every multiplier and every d_r is >= 0;
4. the identity: the multipliers cancel the function values, and the residual is sum_k lambda_k H_k - H;
5. PSD: the residual equals sum_r d_r l_r l_r^T (exact LDL^T);
6. the bound: c - sum_k lambda_k c_k = bound, factor * bound = the upper bound, at most the claimed value.

Then for every Gram matrix G >= 0 and values F satisfying the inequalities, objective <= upper bound (weak
duality: objective = bound - <residual, G> - sum_k lambda_k E_k <= bound). Exit 0 when every file passes.
"""

import json
import sys
from fractions import Fraction as Q
from pathlib import Path

SCHEMA = "mdtheory-worst-case-certificate/1"


class Rejected(Exception):
    pass


def require(condition, why):
    if not condition:
        raise Rejected(why)


def clean(d):
    return {k: v for k, v in d.items() if v}


def lin(*terms):
    """sum of c * u over (c, u), u a {leaf: coefficient} dict."""
    out = {}
    for c, u in terms:
        for k, v in u.items():
            out[k] = out.get(k, Q(0)) + c * v
    return clean(out)


def inner(u, v):
    """<u, v> as a symmetric Gram form {(i, j): c}."""
    out = {}
    for i, a in u.items():
        for j, b in v.items():
            out[(i, j)] = out.get((i, j), Q(0)) + a * b / 2
            out[(j, i)] = out.get((j, i), Q(0)) + a * b / 2
    return clean(out)


def add(*terms):
    """sum of c * form over (c, form), a form being (gram dict, values dict, constant)."""
    gram, values, constant = {}, {}, Q(0)
    for c, (g, a, k) in terms:
        for key, v in g.items():
            gram[key] = gram.get(key, Q(0)) + c * v
        for key, v in a.items():
            values[key] = values.get(key, Q(0)) + c * v
        constant += c * k
    return clean(gram), clean(values), constant


def read_form(form):
    gram, values = {}, {}
    for i, j, c in form["gram"]:
        gram[(i, j)] = gram.get((i, j), Q(0)) + Q(c)
    for k, c in form["values"]:
        values[k] = values.get(k, Q(0)) + Q(c)
    return clean(gram), clean(values), Q(form["constant"])


def interpolation(L, mu, xi, gi, fi, xj, gj, fj):
    """The class's inequality between points i and j as a form <= 0 (PEPit's): f_j - f_i + <g_j, x_i - x_j>
    + ||g_i - g_j||^2/(2L) + mu/(2(1 - mu/L)) ||x_i - x_j - (g_i - g_j)/L||^2 <= 0."""
    dx, dg = lin((1, xi), (-1, xj)), lin((1, gi), (-1, gj))
    terms = [(1, (inner(gj, dx), {}, 0)), (1 / (2 * L), (inner(dg, dg), {}, 0)), (1, ({}, lin((1, fj), (-1, fi)), 0))]
    if mu:
        r = lin((1, dx), (-1 / L, dg))
        terms.append((mu / (2 * (1 - mu / L)), (inner(r, r), {}, 0)))
    return add(*terms)


def operator(L, kind, xi, gi, fi, xj, gj, fj):
    """A monotone L-Lipschitz operator's inequality of this kind between points i and j as a form <= 0."""
    dx, dg = lin((1, xi), (-1, xj)), lin((1, gi), (-1, gj))
    if kind == "monotone":
        return add((-1, (inner(dg, dx), {}, 0)))
    require(kind == "lipschitz", f"unknown kind of inequality {kind!r}")
    return add((1, (inner(dg, dg), {}, 0)), (-L * L, (inner(dx, dx), {}, 0)))


def points_of(function):
    return [tuple({k: Q(c) for k, c in point[part]} for part in ("x", "g", "f")) for point in function["points"]]


def leaf(u, what):
    require(len(u) == 1 and list(u.values()) == [1], f"{what} is not a free leaf")
    return next(iter(u))


def method_forms(claim, functions):
    """The initial condition and the objective the claim states, rebuilt from the method's iterates; checks
    that the points follow the method from free leaves."""
    eta, T, method, quantity = Q(claim["eta"]), claim["T"], claim["method"], claim["quantity"]
    f = points_of(functions[0])
    free_points, free_values = [], [leaf(p[2], "a function value") for fn in functions for p in points_of(fn)]
    runs = 2 if quantity == "amplification" else 1
    if method in ("gd", "mahalanobis"):
        require(len(functions) == 1, "GD has one function")
        star = [] if runs == 2 else [f.pop(0)]  # suboptimality: (x*, 0, f*) first, f(x_T) last
        final = None if runs == 2 else f.pop()
        require(len(f) == runs * T, "the number of GD steps is not T")
        free_points += [leaf(p[0], "a starting point") for p in f[:runs] + star] + [leaf(p[1], "a gradient")
                                                                                   for p in f + ([final] if final else [])]
        x = [f[r][0] for r in range(runs)]
        for t in range(T):
            require(all(f[runs * t + r][0] == x[r] for r in range(runs)), f"step {t} is not where GD says")
            x = [lin((1, x[r]), (-eta, f[runs * t + r][1])) for r in range(runs)]
        if runs == 2:
            start = lin((1, f[0][0]), (-1, f[1][0]))
            initial, objective = (inner(start, start), {}, Q(-1)), (inner(*[lin((1, x[0]), (-1, x[1]))] * 2), {}, Q(0))
        else:
            require(star[0][1] == {} and final[0] == x[0], "x* is not stationary or f is not evaluated at x_T")
            start = lin((1, f[0][0]), (-1, star[0][0]))
            initial = add((Q(1, 2), (inner(start, start), {}, 0)), (1, ({}, {}, Q(-1))))  # ||x_0 - x*||^2/2 <= 1
            objective = ({}, lin((1, final[2]), (-1, star[0][2])), Q(0))
    elif method in ("accelerated", "extragradient"):
        require(len(functions) == 1 and runs == 1, f"{method} has one function and one run")
        star, final, steps = f[0], f[-1], 1 if method == "accelerated" else 2
        require(len(f) == steps * T + 2 and star[1] == {}, f"not T steps of {method}, or x* is not a zero")
        free_points += [leaf(star[0], "x*"), leaf(f[1][0], "x_0")] + [leaf(p[1], "a gradient") for p in f[1:]]
        x = y = f[1][0]
        for t in range(T):
            p = f[1 + steps * t]
            require(p[0] == (y if steps == 1 else x), f"step {t} is not where {method} says")
            if steps == 1:
                previous, x = x, lin((1, y), (-eta, p[1]))
                y = lin((1, x), (Q(t, t + 3), x), (-Q(t, t + 3), previous))
            else:
                require(f[2 + 2 * t][0] == lin((1, x), (-eta, p[1])), f"extrapolation {t} is not extragradient's")
                x = lin((1, x), (-eta, f[2 + 2 * t][1]))
        require(final[0] == x, "the last point is not x_T")
        start = lin((1, f[1][0]), (-1, star[0]))
        initial = add((Q(1, 2), (inner(start, start), {}, 0)), (1, ({}, {}, Q(-1))))  # ||x_0 - x*||^2/2 <= 1
        objective = (({}, lin((1, final[2]), (-1, star[2])), Q(0)) if steps == 1 else
                     (inner(final[1], final[1]), {}, Q(0)))
    else:
        require(method == "md" and len(functions) == 2, "MD has f and h = phi*")
        h = points_of(functions[1])
        star = [] if runs == 2 else [(h.pop(0), f.pop(0))]  # (y*, x*, h*), (x*, 0, f*)
        final = None if runs == 2 else f.pop()
        require(len(f) == runs * T and len(h) == runs * (T + 1), "the number of MD steps is not T")
        free_points += ([leaf(p[0], "a dual start") for p in h[:runs]] + [leaf(p[1], "a gradient of h") for p in h]
                        + [leaf(p[1], "a gradient of f") for p in f + ([final] if final else [])])
        for k, point in enumerate(f):
            require(point[0] == h[k][1], f"f is not evaluated at x = grad h(y) at point {k}")
        for k in range(runs * T):
            require(h[k + runs][0] == lin((1, h[k][0]), (-eta, f[k][1])), f"dual step {k // runs} is not MD's")
        if runs == 2:
            start, end = lin((1, h[0][1]), (-1, h[1][1])), lin((1, h[-2][1]), (-1, h[-1][1]))
            initial, objective = (inner(start, start), {}, Q(-1)), (inner(end, end), {}, Q(0))
        else:
            (ys, xs, hs), (xf, gf, fs) = star[0]
            free_points += [leaf(ys, "y*"), leaf(xs, "x*")]
            require(xf == xs and gf == {} and final[0] == h[-1][1], "x* is not stationary or x_T is not grad h(y_T)")
            # D_phi(x*, x_0) = h(y_0) - h(y*) - <x*, y_0 - y*> <= 1
            initial = add((1, ({}, lin((1, h[0][2]), (-1, hs)), Q(-1))), (-1, (inner(xs, lin((1, h[0][0]), (-1, ys))), {}, 0)))
            objective = ({}, lin((1, final[2]), (-1, fs)), Q(0))
    require(len(set(free_points)) == len(free_points) and len(set(free_values)) == len(free_values),
            "two free quantities share a leaf")
    return initial, objective


def check(document):
    require(document.get("schema") == SCHEMA, f"schema is not {SCHEMA}")
    claim, c = document["claim"], document["certificate"]
    n, functions = c["points"], c["functions"]
    constants = [(Q(claim["L_f"]), Q(0))]
    if claim["method"] == "md":
        constants.append((1 / Q(claim["mu_phi"]), 1 / Q(claim["L_phi"])))  # h = phi* is (1/L_phi, 1/mu_phi)
    require([(Q(fn["L"]), Q(fn["mu"])) for fn in functions] == constants, "the functions' classes are not the claim's")
    initial, objective = method_forms(claim, functions)
    require(read_form(c["objective"]) == objective, "the objective is not the claim's")
    inequalities = c["inequalities"]
    require(inequalities and inequalities[0]["which"] == "initial condition", "the first inequality is not the initial condition")
    require(read_form(inequalities[0]["form"]) == initial, "the initial condition is not the claim's")
    points = [points_of(fn) for fn in functions]
    for inequality in inequalities[1:]:
        which = inequality["which"]
        k, i, j = which["function"], which["i"], which["j"]
        require(i != j and 0 <= k < len(points) and 0 <= i < len(points[k]) and 0 <= j < len(points[k]), f"bad label {which}")
        L, mu = constants[k]
        expected = (operator(L, which["kind"], *points[k][i], *points[k][j]) if claim["method"] == "extragradient"
                    else interpolation(L, mu, *points[k][i], *points[k][j]))
        require(read_form(inequality["form"]) == expected,
                f"inequality {which} is not the class's")
    multipliers = [Q(inequality["multiplier"]) for inequality in inequalities]
    forms = [read_form(inequality["form"]) for inequality in inequalities]
    require(all(m >= 0 for m in multipliers), "a multiplier is negative")
    require(add(*[(m, ({}, form[1], 0)) for m, form in zip(multipliers, forms)])[1] == objective[1],
            "the multipliers do not cancel the function values")
    gram = add(*[(m, (form[0], {}, 0)) for m, form in zip(multipliers, forms)], (-1, (objective[0], {}, 0)))[0]
    residual = [[Q(v) for v in row] for row in c["residual"]]
    require(len(residual) == n and all(len(row) == n for row in residual), "the residual is not n x n")
    require(all(residual[i][j] == gram.get((i, j), 0) for i in range(n) for j in range(n)),
            "the residual is not sum_k lambda_k H_k - H")
    factored = [[Q(0)] * n for _ in range(n)]
    for factor in c["ldlt"]:
        d, l = Q(factor["d"]), [Q(v) for v in factor["l"]]
        require(d >= 0 and len(l) == n, "a factor has d < 0 or the wrong length")
        support = [(i, v) for i, v in enumerate(l) if v]  # past T = 30 a factor is mostly zeros
        for i, a in support:
            for j, b in support:
                factored[i][j] += d * a * b
    require(factored == residual, "the residual is not sum_r d_r l_r l_r^T")
    bound = objective[2] - sum((m * form[2] for m, form in zip(multipliers, forms)), Q(0))
    require(bound == Q(c["bound"]), "the bound is not c - sum_k lambda_k c_k")
    factor = Q(c["factor"])
    if claim["method"] == "mahalanobis":
        require(factor == Q(claim["L_phi"]) / Q(claim["mu_phi"]), "the factor is not cond M")
    else:
        require(factor == 1, "a factor other than 1 outside mahalanobis")
    upper = factor * bound
    require(upper == Q(claim["upper_bound"]), "the upper bound is not factor * bound")
    if claim.get("claimed_at_T") is not None:
        require(upper <= Q(claim["claimed_at_T"]), "the upper bound exceeds the claimed value")
    return claim["statement"]


def main(arguments, check_document=None, pattern="*.json", name="check_certificate.py"):
    """Check every certificate named (files, or the folders' files matching ``pattern``); 0 when all pass."""
    check_document = check_document or check
    sys.set_int_max_str_digits(0)  # exact rationals may be long
    files = [f for a in arguments for f in (sorted(Path(a).glob(pattern)) if Path(a).is_dir() else [Path(a)])]
    if not files:
        print(f"usage: python proofs/{name} DIR_OR_FILE.json [...]", file=sys.stderr)
        return 2
    failed = 0
    for path in files:
        try:
            print(f"ok       {path}: {check_document(json.loads(path.read_text()))}")
        except (Rejected, KeyError, TypeError, ValueError, ZeroDivisionError) as err:
            failed += 1
            print(f"REJECTED {path}: {'' if isinstance(err, Rejected) else type(err).__name__ + ': '}{err}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
