"""Issue 25, round three, worst-case items: the certificate is checked with the file's exact constants (never
their floats), it is written to the JSON so that a reader can re-check it with ``fractions`` alone, and extreme
constants are refused by name."""

import json
from fractions import Fraction

import pytest

from mdtheory.cli import main


def _file(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def _huber_gd_suboptimality(eta: Fraction, L: Fraction) -> Fraction:
    """f(x) = H(x_1) + H(x_2) with H(t) = a|t| - a^2/(2L) for |t| >= a/L and L t^2/2 inside, a = L/(2 eta L + 1):
    H' = clip(L t, -a, a) is monotone and L-Lipschitz, so f is convex and L-smooth, with f* = f(0) = 0. From
    x_0 = (1, 1) (D = ||x_0 - x*||^2/2 = 1) one GD step, in fractions: f(x_1) - f* = 1/(2 eta L + 1) for L = 1
    (Drori & Teboulle's worst case)."""
    a = L / (2 * eta * L + 1)

    def H(t):
        return a * abs(t) - a * a / (2 * L) if abs(t) >= a / L else L * t * t / 2

    def H_prime(t):
        return max(-a, min(a, L * t))

    x0 = (Fraction(1), Fraction(1))
    assert sum(t * t for t in x0) / 2 == 1
    x1 = tuple(t - eta * H_prime(t) for t in x0)
    return sum(H(t) for t in x1) - (H(Fraction(0)) + H(Fraction(0)))


@pytest.mark.parametrize("eta_text, eta, bound", [
    ("1 - 5e-14", Fraction(1) - Fraction(5, 10**14), "1/(2*T + 1)"),  # the claim of eta = 1 at T = 1: 1/3
    ("0.3333333333333", Fraction(3333333333333, 10**13), "3/5"),  # the claim of eta = 1/3: 1/(2/3 + 1)
])
def test_a_claim_false_by_1e_14_is_never_proved(tmp_path, eta_text, eta, bound):
    """Old code: the certificate was checked on PEPit's float coefficients read back as short rationals, i.e. at
    eta = 1 (and 1/3), and said proved; the Huber instance, evaluated in fractions, shows the claim false."""
    attained = _huber_gd_suboptimality(eta, Fraction(1))
    claimed = Fraction(1, 3) if eta_text.startswith("1 -") else Fraction(3, 5)
    assert claimed < attained < claimed + Fraction(3, 10**14)  # false by about 1e-14 (1.1e-14 and 2.4e-14)
    path = _file(tmp_path, "w.toml", f'[worst_case]\nmethod = "gd"\neta = "{eta_text}"\nquantity = "suboptimality"\n'
                                     f'horizons = [1]\n\n[claim]\nbound = "{bound}"\n')
    out = tmp_path / "w.json"
    code = main(["worst-case", str(path), "--json", str(out), "--no-progress"])
    data = json.loads(out.read_text())
    row = data["horizons"][0]
    assert data["verdict"] != "proved" and row["verdict"] != "proved" and code != 0
    assert data["eta"] == str(eta)  # the constant as written
    # whatever is certified must be sound against the attained value: no certified upper bound below it
    assert row["upper_exact"] is None or Fraction(row["upper_exact"]) >= attained
    assert Fraction(row["lower_exact"]) <= attained


def test_a_step_past_the_edge_by_1e_20_is_violated_not_an_internal_bug(tmp_path):
    """Old code: the upper bound was certified at float(eta) = 2 (exactly 1) while the exact lower bound
    (1 + 1e-20)^2 is above it: 'certified lower bound exceeds certified upper bound: a bug' (exit 2)."""
    path = _file(tmp_path, "w.toml", '[worst_case]\nmethod = "gd"\neta = "2 + 1e-20"\nhorizons = [1]\n\n'
                                     '[claim]\nbound = "1"\n')
    out = tmp_path / "w.json"
    assert main(["worst-case", str(path), "--json", str(out), "--no-progress"]) == 1  # violated, exit 1
    row = json.loads(out.read_text())["horizons"][0]
    lower = Fraction(row["lower_squared"])
    assert lower == (1 + Fraction(1, 10**20)) ** 2 and row["verdict"] == "violated"
    assert row["upper_squared"] is None or Fraction(row["upper_squared"]) >= lower


# --------------------------------------------------------------------------- re-checking a written certificate
def recheck(certificate: dict) -> bool:
    """The certificate's proof, with fractions only (no mdtheory): multipliers >= 0, the function values cancel
    exactly, the residual is sum lambda_k H_k - H_objective and equals sum_r d_r l_r l_r^T with d_r >= 0, and the
    bound is the objective's constant minus sum lambda_k c_k."""
    from fractions import Fraction as Q

    n = certificate["points"]

    def gram(form):
        matrix = [[Q(0)] * n for _ in range(n)]
        for i, j, c in form["gram"]:
            matrix[i][j] += Q(c)
        return matrix

    def values(form):
        return {k: Q(c) for k, c in form["values"] if Q(c)}

    multipliers = [Q(inequality["multiplier"]) for inequality in certificate["inequalities"]]
    if any(m < 0 for m in multipliers):
        return False
    cancelled = {}
    for m, inequality in zip(multipliers, certificate["inequalities"]):
        for k, c in values(inequality["form"]).items():
            cancelled[k] = cancelled.get(k, Q(0)) + m * c
    if {k: c for k, c in cancelled.items() if c} != values(certificate["objective"]):
        return False
    residual = [[-c for c in row] for row in gram(certificate["objective"])]
    for m, inequality in zip(multipliers, certificate["inequalities"]):
        for i, row in enumerate(gram(inequality["form"])):
            for j, c in enumerate(row):
                residual[i][j] += m * c
    if residual != [[Q(c) for c in row] for row in certificate["residual"]]:
        return False
    factored = [[Q(0)] * n for _ in range(n)]
    for factor in certificate["ldlt"]:
        d, l = Q(factor["d"]), [Q(c) for c in factor["l"]]
        if d < 0:
            return False
        for i in range(n):
            for j in range(n):
                factored[i][j] += d * l[i] * l[j]
    if factored != residual:
        return False
    bound = Q(certificate["objective"]["constant"]) - sum(
        (m * Q(inequality["form"]["constant"]) for m, inequality in zip(multipliers, certificate["inequalities"])), Q(0))
    return bound == Q(certificate["bound"])


def rebuilt_gd_forms(certificate: dict, eta: Fraction, L: Fraction, T: int) -> dict:
    """GD's amplification problem from its definition, in fractions (no mdtheory): x_{t+1} = x_t - eta g_t for
    both runs, the initial condition ||x_0 - y_0||^2 - 1 <= 0, the objective ||x_T - y_T||^2, and the interpolation
    inequality of a convex L-smooth f between points i and j:
    <g_j, x_i - x_j> + ||g_i - g_j||^2/(2L) - f_i + f_j <= 0. Each as (gram, values, constant)."""
    from fractions import Fraction as Q

    triples = [tuple({k: Q(c) for k, c in point[part]} for part in ("x", "g", "f"))
               for point in certificate["functions"][0]["points"]]

    def combine(u, v, a=Q(1), b=Q(1)):
        out = {k: a * u.get(k, Q(0)) + b * v.get(k, Q(0)) for k in set(u) | set(v)}
        return {k: c for k, c in out.items() if c}

    def square(u, v=None):  # <u, v> as a symmetric gram dict
        v = u if v is None else v
        out = {}
        for i, a in u.items():
            for j, b in v.items():
                out[(i, j)] = out.get((i, j), Q(0)) + a * b / 2
                out[(j, i)] = out.get((j, i), Q(0)) + a * b / 2
        return {k: c for k, c in out.items() if c}

    # the iterates: point 2t is run one's x_t, point 2t + 1 run two's
    x, y = triples[0][0], triples[1][0]
    for t in range(T):
        assert triples[2 * t][0] == x and triples[2 * t + 1][0] == y  # f is evaluated where GD says
        x, y = combine(x, triples[2 * t][1], b=-eta), combine(y, triples[2 * t + 1][1], b=-eta)
    start = combine(triples[0][0], triples[1][0], b=Q(-1))
    forms = {"initial condition": (square(start), {}, Q(-1)), "objective": (square(combine(x, y, b=Q(-1))), {}, Q(0))}
    for i, (xi, gi, fi) in enumerate(triples):
        for j, (xj, gj, fj) in enumerate(triples):
            if i != j:
                gram = square(gj, combine(xi, xj, b=Q(-1)))
                for key, c in square(combine(gi, gj, b=Q(-1))).items():
                    gram[key] = gram.get(key, Q(0)) + c / (2 * L)
                forms[(i, j)] = ({k: c for k, c in gram.items() if c}, combine(fj, fi, b=Q(-1)), Q(0))
    return forms


def _as_dicts(form: dict):
    gram = {}
    for i, j, c in form["gram"]:
        gram[(i, j)] = gram.get((i, j), Fraction(0)) + Fraction(c)
    return ({k: c for k, c in gram.items() if c}, {k: Fraction(c) for k, c in form["values"] if Fraction(c)},
            Fraction(form["constant"]))


@pytest.mark.parametrize("eta_text", ["1", "1 - 5e-14", "19/10"])
def test_a_written_certificate_is_rechecked_with_fractions_alone(tmp_path, eta_text):
    """Old code wrote no certificate. Every inequality it uses is rebuilt from GD's definition at the file's exact
    eta (so a certificate for float(eta) would not match), and the proof is re-checked; a multiplier changed by
    1e-6 fails."""
    eta, T = Fraction(1) - Fraction(5, 10**14) if "e" in eta_text else Fraction(eta_text), 3
    path = _file(tmp_path, "w.toml", f'[worst_case]\nmethod = "gd"\neta = "{eta_text}"\nhorizons = [{T}]\n')
    out = tmp_path / "w.json"
    assert main(["worst-case", str(path), "--json", str(out), "--no-progress"]) == 0
    row = json.loads(out.read_text())["horizons"][0]
    certificate = row["certificate"]
    assert certificate is not None and Fraction(row["upper_squared"]) == Fraction(certificate["bound"])
    assert recheck(certificate)
    forms = rebuilt_gd_forms(certificate, eta, Fraction(certificate["functions"][0]["L"]), T)
    assert _as_dicts(certificate["objective"]) == forms["objective"]
    for inequality in certificate["inequalities"]:
        which = inequality["which"]
        key = which if which == "initial condition" else (which["i"], which["j"])
        assert which == "initial condition" or which["function"] == 0
        assert _as_dicts(inequality["form"]) == forms[key]
    tampered = json.loads(json.dumps(certificate))
    k = len(tampered["inequalities"]) - 1
    tampered["inequalities"][k]["multiplier"] = str(Fraction(tampered["inequalities"][k]["multiplier"])
                                                    + Fraction(1, 10**6))
    assert not recheck(tampered)


def test_md_and_mahalanobis_certificates_are_written_and_recheck(tmp_path):
    path = _file(tmp_path, "md.toml", '[worst_case]\nmethod = "md"\neta = "1"\nmu_phi = "1"\nL_phi = "3"\n'
                                      'horizons = [1]\n\n[claim]\nbound = "3"\n')
    out = tmp_path / "md.json"
    assert main(["worst-case", str(path), "--json", str(out), "--no-progress"]) == 0
    certificate = json.loads(out.read_text())["horizons"][0]["certificate"]
    assert recheck(certificate) and Fraction(certificate["bound"]) == 9
    assert [f["class"] for f in certificate["functions"]] == ["convex and L-smooth", "mu-strongly convex and L-smooth"]
    path = _file(tmp_path, "m.toml", '[worst_case]\nmethod = "mahalanobis"\neta = "2"\nmu_phi = "1"\nL_phi = "4"\n'
                                     'horizons = [1]\n\n[claim]\nbound = "2"\n')
    assert main(["worst-case", str(path), "--json", str(out), "--no-progress"]) == 0
    row = json.loads(out.read_text())["horizons"][0]
    certificate = row["certificate"]
    assert recheck(certificate)
    assert Fraction(certificate["factor"]) * Fraction(certificate["bound"]) == Fraction(row["upper_squared"]) == 4


# --------------------------------------------------------------------------- extreme constants
@pytest.mark.parametrize("key, value, message", [
    ("eta", "1e400", "outside [1e-12, 1e+12]"),  # old code: internal error (OverflowError, exit 4)
    ("L_f", "1e-400", "outside [1e-12, 1e+12]"),  # old code: "the SDP solver failed: ZeroDivisionError"
    ("eta", "1e5000", "outside [1e-12, 1e+12]"),
    ("L_f", "1/3 + 1e-40", "more than 30 digits"),
    ("mu_phi", "1e-13", "outside [1e-12, 1e+12]"),
])
def test_extreme_constants_are_refused_by_name(tmp_path, capsys, key, value, message):
    constants = {"eta": "1", "L_f": "1", "mu_phi": "1", "L_phi": "3", key: value}
    text = "\n".join(f'{k} = "{v}"' for k, v in constants.items())
    path = _file(tmp_path, "w.toml", f'[worst_case]\nmethod = "md"\n{text}\nhorizons = [1]\n')
    assert main(["worst-case", str(path), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"[worst_case] {key}:" in err and message in err and ("rescale" in err or "round it" in err)


@pytest.mark.parametrize("quantity, T, limit", [("amplification", 101, 100), ("suboptimality", 21, 20)])
def test_md_horizons_beyond_the_memory_limit_are_refused_by_name(tmp_path, capsys, quantity, T, limit):
    """Old code accepted md at T = 40 up to MAX_HORIZON and needed more than 9.9 GB (the SDP's memory grows as
    T^3; measured at smaller T, see MAX_MD_HORIZON); now refused at load, before any solve."""
    path = _file(tmp_path, "w.toml", f'[worst_case]\nmethod = "md"\nquantity = "{quantity}"\neta = "1"\nmu_phi = "1"\n'
                                     f'L_phi = "3"\nhorizons = [1, {T}]\n')
    assert main(["worst-case", str(path), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "[worst_case] horizons:" in err and f"limit of {limit} steps" in err
