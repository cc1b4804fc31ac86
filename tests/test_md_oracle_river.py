"""mdtheory.testing.md_oracle on river's EWARegressor (installed from the package index): the exponentially
weighted average forecaster, Hedge, i.e. entropic MD on the simplex with linear losses. Its update, in pure Python
floats, is river's own: w_i *= math.exp(-learning_rate * loss_i), total accumulated sequentially, w_i /= total
(the oracle's multiplicative model, x * exp(-eta c) / sum). The wrapper feeds it a cost vector c through experts
that predict c_i against the target 0 under the absolute loss, so that each expert's loss is c_i exactly; river's
math.exp, sequential sum and division are named to the oracle, which calibrates those and not numpy's."""

import math

import numpy as np
import pytest

from mdtheory.errors import DomainError, ExpressionError
from mdtheory.testing import md_oracle

river = pytest.importorskip("river")
from river import base, ensemble, optim  # noqa: E402

SETTING = dict(d=2000, start="zipf:2", eta="1/10", steps=5)
ETA = 0.1


def python_sum(values):
    total = 0  # as river accumulates its total: one float addition after another
    for v in values.tolist():
        total += v
    return np.float64(total)


RIVER_KERNELS = {
    "exp": lambda a: np.array([math.exp(v) for v in a.tolist()]),
    "sum": python_sum,
    "divide": lambda a, b: np.array([v / float(b) for v in a.tolist()]),
}


class ConstantExpert(base.Regressor):
    """Predicts its cost whatever the features, and learns nothing."""

    def __init__(self, cost: float):
        self.cost = cost

    def learn_one(self, x, y):
        pass

    def predict_one(self, x):
        return self.cost


def costs_of(setting):
    from mdtheory.engine.entropic_float import RiskSetting

    return RiskSetting.build(**setting).costs()


def start_of(setting):
    from mdtheory.engine.entropic_float import RiskSetting

    return RiskSetting.build(**setting).initial()


def hedge(costs, start_dtype=np.float64, eta=ETA):
    """(init, step, readout) driving river's EWARegressor: its weights are the iterate."""

    def init(x0):
        forecaster = ensemble.EWARegressor([ConstantExpert(float(c)) for c in costs], loss=optim.losses.Absolute(),
                                           learning_rate=eta)
        forecaster.weights = [float(v) for v in np.asarray(x0).astype(start_dtype)]
        return forecaster

    def step(forecaster):
        forecaster.learn_one({}, 0.0)  # one round: every expert's loss is |c_i - 0| = c_i
        return forecaster

    def readout(forecaster):
        return np.array(forecaster.weights)

    return init, step, readout


def update_applied_twice(costs):
    """learn_predict_one for the round's forecast, then learn_one: river's learn_one is learn_predict_one, so the
    multiply-and-renormalize runs twice a round (eta doubled)."""
    init, _, readout = hedge(costs)

    def step(forecaster):
        forecaster.learn_predict_one({}, 0.0)
        forecaster.learn_one({}, 0.0)
        return forecaster

    return init, step, readout


def start_in_float32(costs):
    """The prior handed over as float32 (a tensor or array of the wrong dtype), stored in river's float weights."""
    return hedge(costs, start_dtype=np.float32)


def run(wrapper, setting=SETTING, **options):
    init, step, readout = wrapper(costs_of(setting))
    return md_oracle(step, setting, precision="float64", init=init, readout=readout, kernels=RIVER_KERNELS, **options)


def test_river_ewa_regressor_passes_within_the_float64_budget():
    result = run(hedge)
    assert result.largest_ratio <= 1
    assert "measured on the step's own divide, exp, sum" in result.model


@pytest.mark.parametrize("bug, first_step", [(update_applied_twice, 1), (start_in_float32, 0)])
def test_each_planted_bug_changes_the_iterates_and_is_caught(bug, first_step):
    costs = costs_of(SETTING)
    x0 = start_of(SETTING)
    one_step = []
    for wrapper in (hedge, bug):
        init, step, readout = wrapper(costs)
        one_step.append(readout(step(init(x0))))
    change = float(np.max(np.abs(one_step[1] / one_step[0] - 1)))
    assert change > 1e-9  # a million times float64's rounding: the bug changes the iterate at this setting
    with pytest.raises(AssertionError, match=rf"step {first_step}, coordinate \d+: .* exceeds the rounding budget"):
        run(bug)


def test_the_calibration_measures_the_kernels_the_step_names():
    init, step, readout = hedge(costs_of(SETTING))
    float32_sum = {"sum": lambda a: np.float64(a.astype(np.float32).sum(dtype=np.float32))}
    with pytest.raises(DomainError, match=r"sum of the run's 2000 terms .* beyond any summation in float64"):
        md_oracle(step, SETTING, precision="float64", init=init, readout=readout, kernels=float32_sum)
    with pytest.raises(ExpressionError, match=r"'softmax' is not a kernel the calibration measures; name only exp"):
        md_oracle(step, SETTING, precision="float64", init=init, readout=readout, kernels={"softmax": None})


LARGE_LOSSES = """
[problem]
variables = ["p1", "p2", "p3"]
domain = "simplex"
regularizer = "negative_entropy"
objective = "{c1}*p1 + {c2}*p2 + {c3}*p3"

[run]
x0 = ["1/4", "1/4", "1/2"]
direction = ["1", "0", "-1"]
eps = "1e-20"
eta = "1"
steps = 4
precision_bits = 128

[claim]
kind = "upper_bound"
quantity = "separation"
bound = "1"
"""


def test_losses_whose_weights_underflow_are_refused_and_the_shifted_costs_pass(tmp_path):
    # river multiplies by exp(-learning_rate * loss) without shifting the losses by their smallest: at losses of
    # 1000 and learning rate 1 every factor is 0 (exp(-1000) < 5e-324), the total is 0 and the weights stay 0
    forecaster = ensemble.EWARegressor([ConstantExpert(c) for c in (1000.0, 1000.0, 1001.0)],
                                       loss=optim.losses.Absolute(), learning_rate=1.0)
    forecaster.learn_one({}, 0.0)
    assert forecaster.weights == [0.0, 0.0, 0.0]
    large = tmp_path / "large.toml"
    large.write_text(LARGE_LOSSES.format(c1=1000, c2=1000, c3=1001))
    with pytest.raises(DomainError, match=r"exp\(-eta c\) leave the normal range of float64 .* shift the costs"):
        md_oracle(lambda x: x, claim=large, precision="float64")
    shifted = tmp_path / "shifted.toml"
    shifted.write_text(LARGE_LOSSES.format(c1=0, c2=0, c3=1))
    init, step, readout = hedge([0.0, 0.0, 1.0], eta=1.0)
    result = md_oracle(step, claim=shifted, precision="float64", init=init, readout=readout, kernels=RIVER_KERNELS)
    assert result.largest_ratio <= 1


def test_risk_prints_no_bound_where_the_multiplicative_weights_underflow(capsys):
    from mdtheory.cli import main

    # float32: exp(-1/10 * 1000) = exp(-100) is below the smallest normal float32 (exp(-87.3))
    code = main(["risk", "--framework", "numpy", "--precision", "float32", "--d", "10", "--spread", "1000",
                 "--steps", "3", "--update", "multiplicative"])
    assert code == 0
    assert "rounding bound: does not apply: the weights exp(-eta c) leave the normal range of float32" in capsys.readouterr().out
