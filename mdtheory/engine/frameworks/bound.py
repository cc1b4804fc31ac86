"""A rounding bound for a framework run, under an arithmetic model stated in words and calibrated on the run.

The model (u = the unit roundoff of the format an operation returns; lambda(r) = -log(1 - r) turns a relative
error r into a log-ratio error):
* storing a number, a product, a difference and a cast are correctly rounded (relative error <= u);
* exp, log and division err by at most b ulps each (ulp(y) <= 2 u |y|), b the largest error the calibration
  measured on the run's own inputs, and never less than 1/2 (correct rounding); the multiplicative update's
  weights exp(-eta c) are normal numbers of the storage format (a weight that underflows or overflows has no
  relative error bound: the model does not apply);
* a sum of n nonnegative terms is any summation order in the accumulator format (recursive summation's
  gamma_(n-1) = (n-1) u / (1 - (n-1) u) covers every order: pairwise, blocked or sequential), then rounded to
  the result's format;
* the softmax is exp(z - max z) divided by its sum, each piece as above.
The run satisfies the model only if its measured sums and its (fused) softmax on its own inputs stay inside
what the model allows; otherwise the bound does not apply and says why.

Log-ratio errors E_t (every coordinate has log(x~_ti / x_ti) in [-E_t, E_t]; a factor 2 where a vector is
renormalized) give ||x~_t - x_t|| <= ||x_t|| (exp(E_t) - 1) + 2 sqrt(d) tiny, capped at sqrt(2):
* multiplicative: per step a = lambda(2 u b_exp) + u eta max c (w's argument rounded) + lambda(u) (product) +
  lambda(2 u b_div); A_t = lambda(u) (x_0 stored) + t a; E_0 = lambda(u), E_t = 2 A_t + lambda(sigma), sigma
  the sum's relative budget (earlier sums' errors are common factors that renormalization removes);
* logits: the logits' absolute error D_0 = lambda(u) + 2 u b_log (max|z_0| + lambda(u)), D_t = D_(t-1) +
  u eta max c + u (max|z_t| + D_(t-1) + u eta max c); the cast to the softmax format adds C_t = u_s (max|z_t| + D_t)
  when it narrows; the softmax adds S = 2 u_s (R_t + 2 L_t) + 2 lambda(2 u_s b_exp) + lambda(sigma_s) +
  lambda(2 u_s b_div), R_t = max z_t - min z_t, L_t = D_t + C_t; E_t = 2 L_t + S.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mdtheory.engine.entropic_float import MAX_DISTANCE, RiskSetting, _state, dtype_of, unit_roundoff
from mdtheory.engine.frameworks import FrameworkRun
from mdtheory.engine.frameworks.calibration import Calibration

CORRECT_ROUNDING_ULPS = 0.5  # the smallest budget an operation gets: what IEEE correct rounding promises


def _log_ratio(relative: float) -> float:
    return math.inf if relative >= 1 else -math.log1p(-relative)


def weights_out_of_range(setting, run: FrameworkRun) -> str | None:
    """Why the multiplicative weights w = exp(-eta c) are not all normal numbers of the storage format, or None."""
    import ml_dtypes

    info = ml_dtypes.finfo(dtype_of(run.formats.storage))
    arguments = -float(setting.eta) * np.asarray(setting.costs(), dtype=np.float64)
    low, high = math.log(float(info.tiny)), math.log(float(info.max))
    if arguments.min() >= low and arguments.max() <= high:
        return None
    remedy = ("shift the costs by their smallest (c - min c: the same trajectory), or use the logits update"
              if np.min(setting.costs()) != 0 else "take a smaller eta * max c, or use the logits update")
    return (f"the weights exp(-eta c) leave the normal range of {run.formats.storage} (-eta c reaches "
            f"[{arguments.min():.4g}, {arguments.max():.4g}], normal for [{low:.4g}, {high:.4g}]): they underflow or "
            f"overflow, and the model bounds only relative errors of normal numbers; {remedy}")


def _gamma(n: int, u: float) -> float:
    return math.inf if n * u >= 1 else n * u / (1 - n * u)


@dataclass(frozen=True)
class CalibratedBound:
    values: np.ndarray | None  # at setting.times(); None when the model does not apply
    not_applying: str | None  # why the model does not hold for this run
    model: str  # the model and its calibrated budgets, in words
    calibration: Calibration


class _Budget:
    """The model's numbers for one setting, run and calibration."""

    def __init__(self, setting: RiskSetting, run: FrameworkRun, calibration: Calibration):
        formats = run.formats
        self.setting, self.run, self.calibration = setting, run, calibration
        self.u = unit_roundoff(formats.storage)
        self.u_soft = unit_roundoff(formats.softmax)
        self.ulps = {kernel: max(CORRECT_ROUNDING_ULPS, calibration.ulps.get(kernel, 0.0))
                     for kernel in ("exp", "log", "division")}
        summed_in = formats.storage if setting.update == "multiplicative" else formats.softmax
        u_result = unit_roundoff(summed_in)
        self.sigma = (1 + _gamma(setting.d - 1, unit_roundoff(formats.accumulator))) * (1 + u_result) - 1
        self.narrowing = self.u_soft > self.u
        self.eta_c = float(setting.eta) * float(np.abs(setting.costs()).max())
        import ml_dtypes

        self.tiny = max(float(ml_dtypes.finfo(dtype_of(f)).tiny) for f in (formats.storage, formats.softmax))

    def softmax_budget(self, logit_range: float, logit_error: float) -> float:
        u, b = self.u_soft, self.ulps
        return (2 * u * (logit_range + 2 * logit_error) + 2 * _log_ratio(2 * u * b["exp"]) + _log_ratio(self.sigma)
                + _log_ratio(2 * u * b["division"]))

    def not_applying(self) -> str | None:
        c, run = self.calibration, self.run
        if self.setting.update == "multiplicative" and weights_out_of_range(self.setting, run) is not None:
            return weights_out_of_range(self.setting, run)
        if not math.isfinite(self.sigma):
            return (f"a sum of d = {self.setting.d} terms in {run.formats.accumulator} has no recursive-summation "
                    "bound ((d - 1) u >= 1)")
        if c.sum_error > self.sigma:
            return (f"{run.framework}'s sum of the run's {c.sum_terms} terms on {run.device} erred by {c.sum_error:.3g} "
                    f"(relative), beyond any summation in {run.formats.accumulator} ({self.sigma:.3g}): it does not "
                    f"accumulate in {run.formats.accumulator}")
        for probe in c.softmax:
            allowed = self.softmax_budget(probe.logit_range, 0.0)
            if not probe.error <= allowed:
                return (f"{run.framework}'s softmax on the run's own logits at t = {probe.step} ({run.device}, "
                        f"{run.formats.softmax}) errs by {probe.error:.3g} in log-ratio, beyond the {allowed:.3g} that "
                        f"exp within {self.ulps['exp']:.3g} ulp, any summation order and division within "
                        f"{self.ulps['division']:.3g} ulp allow: the fused kernel is not that computation")
        return None

    def exponents(self):
        """(t, E_t) for every step t = 0..T."""
        s = self.setting
        u, lam_u = self.u, _log_ratio(self.u)
        if s.update == "multiplicative":
            per_step = (_log_ratio(2 * u * self.ulps["exp"]) + u * self.eta_c + lam_u
                        + _log_ratio(2 * u * self.ulps["division"]))
            yield 0, lam_u
            for t in range(1, s.steps + 1):
                yield t, 2 * (lam_u + t * per_step) + _log_ratio(self.sigma)
            return
        if s.update == "mirror":
            yield from self._mirror_exponents()
            return
        drift = None
        for t, largest, spread in self._logit_extremes():
            if drift is None:
                drift = lam_u + 2 * u * self.ulps["log"] * (largest + lam_u)
            else:
                drift += u * self.eta_c + u * (largest + drift + u * self.eta_c)
            cast = self.u_soft * (largest + drift) if self.narrowing else 0.0
            logit_error = drift + cast
            yield t, 2 * logit_error + self.softmax_budget(spread, logit_error)

    def _logit_extremes(self):
        """(t, max|z_t|, max z_t - min z_t) of the exact logits z_t = log x_0 - eta t c, from the extremes of z_0
        over each distinct cost (two groups in a risk setting: O(1) per step)."""
        s = self.setting
        z0, c, eta = np.log(s.initial()), s.costs(), float(s.eta)
        groups = [(float(v), float(z0[c == v].min()), float(z0[c == v].max())) for v in np.unique(c)]
        for t in range(s.steps + 1):
            top = max(high - eta * t * v for v, _, high in groups)
            bottom = min(low - eta * t * v for v, low, _ in groups)
            yield t, max(abs(top), abs(bottom)), top - bottom

    def _mirror_exponents(self):
        """x <- softmax(log x - eta c) (the dual step through the mirror map, as jaxopt's MirrorDescent with the
        KL projection takes it). Errors are tracked as V, the oscillation max - min of the log-ratio errors: the
        softmax is shift-invariant, so only V propagates; the sum's error is a common factor (no oscillation) and the
        division adds its own per coordinate. Per step, with M = max|log x_(t-1)| and R the logits' range:
        a = 2 u b_log (M + E_(t-1)) + u eta max|c| + u (M + eta max|c| + E_(t-1)) (the log, the rounded step and the
        difference), O = V + 2 a + 2 u_s (R + V + 2 a) + 2 lambda(2 u_s b_exp), E_t = O + lambda(sigma_s) +
        lambda(2 u_s b_div), V_t = O + 2 lambda(2 u_s b_div)."""
        s = self.setting
        u, u_s, b = self.u, self.u_soft, self.ulps
        exp_term, div_term = _log_ratio(2 * u_s * b["exp"]), _log_ratio(2 * u_s * b["division"])
        error = _log_ratio(u)
        spread_of_errors = 2 * error
        yield 0, error
        z0, c, eta = np.log(s.initial()), s.costs(), float(s.eta)
        for t in range(1, s.steps + 1):
            previous = z0 - eta * (t - 1) * c
            top = float(previous.max())
            largest = -float(np.min(previous - top - math.log(math.fsum(np.exp(previous - top)))))
            z = previous - eta * c
            a = (2 * u * b["log"] * (largest + error) + u * self.eta_c + u * (largest + self.eta_c + error))
            before_output = (spread_of_errors + 2 * a + 2 * u_s * (float(z.max() - z.min()) + spread_of_errors + 2 * a)
                             + 2 * exp_term)
            error = before_output + _log_ratio(self.sigma) + div_term
            spread_of_errors = before_output + 2 * div_term
            yield t, error

    def describe(self) -> str:
        f = self.run.formats
        return (f"arithmetic model ({self.run.describe()}: stored in {f.storage}, softmax in {f.softmax}, sums "
                f"accumulated in {f.accumulator}): stores, products, differences and casts correctly rounded; exp "
                f"within {self.ulps['exp']:.3g} ulp, log within {self.ulps['log']:.3g} ulp, division within "
                f"{self.ulps['division']:.3g} ulp (measured on the run's inputs, at least 1/2); sums of d terms in any "
                f"order (recursive summation, relative budget {self.sigma:.3g}); calibration: {self.calibration.describe()}")


def budget(setting: RiskSetting, run: FrameworkRun, calibration: Calibration) -> _Budget:
    return _Budget(setting, run, calibration)


def calibrated_bound(setting: RiskSetting, run: FrameworkRun, calibration: Calibration) -> CalibratedBound:
    model = budget(setting, run, calibration)
    why = model.not_applying()
    if why is not None:
        return CalibratedBound(None, why, model.describe(), calibration)
    wanted = set(int(t) for t in setting.times())
    exponents = {t: e for t, e in model.exponents() if t in wanted}
    underflow = 2 * math.sqrt(setting.d) * model.tiny
    values = [min(MAX_DISTANCE, float(np.linalg.norm(_state(setting, int(t), False)[0])) * math.expm1(min(700.0, exponents[int(t)]))
                  + underflow) for t in setting.times()]
    return CalibratedBound(np.array(values), None, model.describe(), calibration)
