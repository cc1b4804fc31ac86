"""numpy's kernels (bfloat16 through ml_dtypes): also the emulation the other frameworks are compared with.
numpy has no softmax; this one is written as a numpy user writes it, shifted by the max."""

from __future__ import annotations

import numpy as np

from mdtheory.engine.entropic_float import dtype_of


class Backend:
    def __init__(self, run):
        self.run = run

    def array(self, values: np.ndarray, fmt: str):
        return np.asarray(values, dtype=np.float64).astype(dtype_of(fmt))

    def to_float64(self, a) -> np.ndarray:
        return np.asarray(a).astype(np.float64)

    def cast(self, a, fmt: str):
        return a.astype(dtype_of(fmt))

    def exp(self, a):
        return np.exp(a)

    def log(self, a):
        return np.log(a)

    def divide(self, a, b):
        return a / b

    def sum(self, a):
        """The sum of a vector, accumulated in the precision's accumulator and returned in a's format."""
        return a.sum(dtype=dtype_of(self.run.formats.accumulator)).astype(a.dtype)

    def softmax(self, z):
        shifted = z - z.max()
        weights = np.exp(shifted)
        return weights / self.sum(weights)

    def multiply_(self, x, w):
        x *= w
        return x

    def normalize_(self, x):
        x /= self.sum(x)
        return x

    def subtract_(self, z, step):
        z -= step
        return z
