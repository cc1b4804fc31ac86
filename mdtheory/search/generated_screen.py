"""The float64 screen of a claim whose problem offers one (``Problem.float_screen``): offline convergence claims
on any method with a closed-form step (plain MD, accelerated MD, dual averaging, a registered method), screened in
bulk by code generated from the method's derived step (``checker.float_convergence``), then confirmed on the
precision ladder exactly as ``LadderScreen`` confirms: a float screen ranks candidates, it never decides.

``theorem_screen`` chooses: this screen where the problem offers a float screen for the claim's quantity, and
``LadderScreen`` (each candidate measured at 53 bits) otherwise, with the reason in its ``screen_text``.
"""

from __future__ import annotations

import numpy as np

from mdtheory.checker.float_convergence import FloatScreenUnavailable
from mdtheory.search.screens import LadderScreen, Units


class GeneratedScreen(LadderScreen):
    """A LadderScreen whose ``log_ratios`` runs every candidate of a batch in float64 through the problem's float
    screen; drawing, refinement, confirmation and the witness are the LadderScreen's."""

    batch = 1024  # candidates per pass: a convergence run keeps its quantity at every step for each
    refined = 4
    refine_evaluations = 300
    confirmed = 6  # the ladder checks hypotheses the screen does not (a declared L, x* minimizing f)
    confirms_stated_first = True  # as LadderScreen: a stated instance above the bound is confirmed first
    vectorized = True

    def __init__(self, claim, tables: dict, label: str = "", float_screen=None):
        super().__init__(claim, tables, label)
        self.float_screen = float_screen or claim.problem.float_screen(claim.bound)
        self.float_screen.compile()
        self.steps = self.float_screen.steps
        self.engine_note = ("generated from the method's derived step, compiled with numba in "
                            f"{self.float_screen.compile_seconds:.1f} s")
        self.screen_text = ("float64, generated from the method's derived step (compiled with numba); the best "
                            "candidates confirmed on the precision ladder")

    def recipe(self) -> tuple:
        return GeneratedScreen, (self.claim, self.tables, self.label)

    def instances(self, batch: Units) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x0, eta, parameters) of each candidate as floats of the exact instance the ladder would run."""
        points = [self.point(batch.take(i)) for i in range(len(batch))]
        start = self.float_screen.start
        x0 = np.array([[float(v) for v in (p["x0"] or start)] for p in points], dtype=np.float64)
        eta = np.array([float(p["eta"]) for p in points], dtype=np.float64)
        parameters = np.array([[float(v) for v in p["parameters"]] for p in points], dtype=np.float64)
        return x0, eta, parameters.reshape(len(points), -1)

    def log_ratios(self, batch: Units) -> tuple[np.ndarray, np.ndarray]:
        return self.float_screen.log_ratios(*self.instances(batch))


def theorem_screen(claim, tables: dict, label: str = ""):
    """The fast screen where the claim's problem offers one, else the LadderScreen, saying why."""
    try:
        float_screen = claim.problem.float_screen(claim.bound)
        if float_screen is not None:
            float_screen.compile()
    except FloatScreenUnavailable as err:
        screen = LadderScreen(claim, tables, label)
        screen.screen_text = f"{LadderScreen.screen_text} (no float screen: {err})"
        return screen
    if float_screen is None:
        return LadderScreen(claim, tables, label)
    return GeneratedScreen(claim, tables, label, float_screen)


__all__ = ["GeneratedScreen", "theorem_screen"]
