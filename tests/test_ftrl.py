"""Follow the regularized leader in the online kind (``[run] method = "ftrl"``, mdtheory/methods/ftrl.py): against
linear losses on the simplex with the negative entropy it is Hedge, and its regret agrees with online MD's (Hedge's
multiplicative step) and with Hedge's closed form x_{t+1} proportional to exp(-eta L_t) to every trusted digit; with
the Euclidean phi on a box it is lazy projection, clip(x0 - eta L_t), held to that recurrence in Fractions (and
shown to differ from online MD's greedy projection); the library theorem (Shalev-Shwartz 2012, Thm 2.11) holds and
its twin is violated through the CLI; a method that does not play online is refused, naming the key. The seam the
composite methods use (the kernel's own objective) is checked on plain MD's defaults (issue 27, item 4)."""

from fractions import Fraction
from pathlib import Path

import mpmath
import pytest

import mdtheory
from mdtheory.claimfile import load_claim, toml_text
from mdtheory.cli import main

LIBRARY = Path(mdtheory.__file__).parent / "theorems" / "online" / "ftrl_lazy_box.toml"
HEDGE = {"problem": {"kind": "online", "regularizer": "negative_entropy",
                     "losses": ["(1 + sin(t/3))/2", "(1 + cos(t/5))/2", "2/5"]},
         "run": {"eta": "1/5", "steps": 40, "precision_bits": 128, "method": "ftrl"},
         "claim": {"kind": "upper_bound", "quantity": "regret", "bound": "log(d)/eta + eta*T/8"}}


def write(tmp_path, tables, name="claim.toml"):
    path = tmp_path / name
    path.write_text(toml_text(tables))
    return path


def measured(path):
    return load_claim(path).problem.measurements(None)[0]


def hedge_closed_form(eta, steps):
    """Hedge's regret with x_{t+1, i} = exp(-eta L_{t, i}) / sum_j exp(-eta L_{t, j}), at 400 bits."""
    ctx = mpmath.MPContext()
    ctx.prec = 400
    eta = ctx.mpf(eta.numerator) / eta.denominator
    totals, played, regret = [ctx.mpf(0)] * 3, ctx.mpf(0), [ctx.mpf(0)]
    for t in range(1, steps + 1):
        weights = [ctx.exp(-eta * v) for v in totals]
        x = [w / sum(weights) for w in weights]
        loss = [(1 + ctx.sin(ctx.mpf(t) / 3)) / 2, (1 + ctx.cos(ctx.mpf(t) / 5)) / 2, ctx.mpf(2) / 5]
        played += sum(li * xi for li, xi in zip(loss, x))
        totals = [a + li for a, li in zip(totals, loss)]
        regret.append(played - min(totals))
    return regret


def test_ftrl_with_the_entropy_on_the_simplex_is_hedge_to_every_trusted_digit(tmp_path):
    ftrl = measured(write(tmp_path, HEDGE))
    md = measured(write(tmp_path, {**HEDGE, "run": {k: v for k, v in HEDGE["run"].items() if k != "method"}}, "md.toml"))
    exact = hedge_closed_form(Fraction(1, 5), 40)
    assert min(ftrl.digits("regret")[1:]) >= 30  # 128 and 256 bits agree to at least 30 digits
    for a, b, u, v, e in zip(ftrl.values("regret"), md.values("regret"), ftrl.uncertainties("regret"),
                             md.uncertainties("regret"), exact):
        assert abs(a - b) <= u + v  # FTRL and online MD agree within their ladder uncertainties
        assert abs(a - e) <= u  # and FTRL with the closed form
    assert ftrl.values("regret")[-1] > 1  # the losses make a nonzero regret to agree on


def test_ftrl_with_the_euclidean_phi_on_a_box_is_lazy_projection_in_fractions(tmp_path):
    """On [-1, 1]^2 from 0, eta = 1/5, a table of 16 rounds played twice: coordinate 1 alternates +-1, coordinate
    2 loses 1 for 8 rounds then gains 1 for 8. FTRL plays x_{t+1} = clip(-eta L_t): coordinate 2 stays on the face
    -1 until L_2 falls below 5, where online MD's greedy projection leaves it at once. The comparator on the box
    is -|L_1| - |L_2|, so the regret is rational at every round."""
    table = [[str((-1) ** t), "1" if t < 8 else "-1"] for t in range(16)]
    tables = {"problem": {"kind": "online", "domain": "box", "lower": ["-1", "-1"], "upper": ["1", "1"],
                          "loss_table": table},
              "run": {"method": "ftrl", "x0": ["0", "0"], "eta": "1/5", "steps": 32, "precision_bits": 96},
              "claim": {"kind": "upper_bound", "quantity": "regret", "bound": "100"}}
    eta, clip = Fraction(1, 5), lambda v: min(max(v, Fraction(-1)), Fraction(1))
    totals, played, expected = [Fraction(0)] * 2, Fraction(0), [Fraction(0)]
    for t in range(32):
        x = [clip(-eta * v) for v in totals]
        loss = [Fraction(v) for v in table[t % 16]]
        played += sum(li * xi for li, xi in zip(loss, x))
        totals = [a + li for a, li in zip(totals, loss)]
        expected.append(played + sum(abs(v) for v in totals))
    lazy = measured(write(tmp_path, tables)).values("regret")
    ctx = mpmath.MPContext()
    ctx.prec = 400
    assert len(lazy) == 33
    assert all(abs(ctx.mpf(m) - ctx.mpf(e.numerator) / e.denominator) < ctx.mpf(10) ** -25 for m, e in zip(lazy, expected))
    greedy = measured(write(tmp_path, {**tables, "run": {**tables["run"], "method": "md"}}, "md.toml")).values("regret")
    assert abs(greedy[-1] - lazy[-1]) > ctx.mpf(1) / 10  # online MD projects each step: another algorithm


def test_the_library_theorem_holds_and_its_twin_is_violated(capsys):
    assert main(["check", str(LIBRARY)]) == 0
    assert "verdict: holds" in capsys.readouterr().out
    main(["check", str(LIBRARY), "--twin"])
    assert "verdict: violated" in capsys.readouterr().out


@pytest.mark.parametrize("name, words", [("accelerated", "'accelerated' is not a method an online problem plays"),
                                         ("nope", "'nope' is not a method an online problem plays")])
def test_a_method_that_does_not_play_online_is_refused(tmp_path, capsys, name, words):
    path = write(tmp_path, {**HEDGE, "run": {**HEDGE["run"], "method": name}})
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "[run] method" in err and words in err and "ftrl" in err


def test_plain_md_answers_the_objective_seam_with_f_alone():
    """The convergence checker asks the kernel, never what it is: plain MD's answers say the objective is f."""
    from mdtheory.engine.context import working_context
    from mdtheory.engine.inexact import linear_loss_problem
    from mdtheory.methods import kernel_for
    from mdtheory.symbolic.regularizer import Regularizer

    kernel = kernel_for(linear_loss_problem(Regularizer.from_text("x1*log(x1) + x2*log(x2)", 2, "simplex")))
    ctx = working_context(64)
    x = [ctx.mpf(1) / 2] * 2
    assert kernel.first_order_residuals(ctx, x, [1, 2]) is None
    assert kernel.minimizer_not_computed() is None
    assert kernel.objective_constants(ctx, x) == {}
