"""jax's kernels: jax.nn.softmax and jax.numpy; jax arrays are immutable, so an update returns a new array,
as a jax training loop writes it."""

from __future__ import annotations

import numpy as np

from mdtheory.engine.entropic_float import dtype_of
from mdtheory.errors import DomainError


class Backend:
    def __init__(self, run):
        import jax

        self.jax = jax
        self.jnp = jax.numpy
        self.run = run
        if "float64" in (run.formats.storage, run.formats.softmax) and not jax.config.jax_enable_x64:
            raise DomainError("--framework jax --precision float64: jax computes in float32 unless 64-bit mode is on; "
                              "set JAX_ENABLE_X64=1 in the environment, or choose --precision float32")
        platform = "gpu" if run.device == "cuda" else "cpu"
        try:
            self.device = jax.devices(platform)[0]
        except RuntimeError:
            raise DomainError(f"--device {run.device}: jax sees no {platform} device here; pass --device cpu") from None

    def dtype(self, fmt: str):
        return getattr(self.jnp, fmt)

    def array(self, values: np.ndarray, fmt: str):
        # rounded once on the host (ml_dtypes rounds float64 to bfloat16 directly; without 64-bit mode jax would
        # round float64 input to float32 first)
        host = np.asarray(values, dtype=np.float64).astype(dtype_of(fmt))
        return self.jax.device_put(self.jnp.asarray(host, dtype=self.dtype(fmt)), self.device)

    def to_float64(self, a) -> np.ndarray:
        return np.asarray(a.astype(self.jnp.float32) if a.dtype == self.jnp.bfloat16 else a).astype(np.float64)

    def cast(self, a, fmt: str):
        return a.astype(self.dtype(fmt))

    def exp(self, a):
        return self.jnp.exp(a)

    def log(self, a):
        return self.jnp.log(a)

    def divide(self, a, b):
        return a / b

    def sum(self, a):
        return self.jnp.sum(a)

    def softmax(self, z):
        return self.jax.nn.softmax(z)

    def multiply_(self, x, w):
        return x * w

    def normalize_(self, x):
        return x / self.jnp.sum(x)

    def subtract_(self, z, step):
        return z - step
