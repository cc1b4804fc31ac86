"""torch's kernels: torch.softmax, and in-place updates (mul_, div_, sub_) as a training loop writes them."""

from __future__ import annotations

import numpy as np

from mdtheory.engine.entropic_float import dtype_of
from mdtheory.errors import DomainError


class Backend:
    def __init__(self, run):
        import torch

        self.torch = torch
        self.run = run
        if run.device == "cuda" and not torch.cuda.is_available():
            raise DomainError("--device cuda: torch sees no CUDA device here (torch.cuda.is_available() is False); "
                              "pass --device cpu")
        self.device = torch.device(run.device)

    def dtype(self, fmt: str):
        return getattr(self.torch, fmt)

    def array(self, values: np.ndarray, fmt: str):
        # rounded once on the host (ml_dtypes rounds float64 to bfloat16 directly; torch would go through float32)
        rounded = np.asarray(values, dtype=np.float64).astype(dtype_of(fmt)).astype(np.float64)
        return self.torch.tensor(rounded, device=self.device).to(self.dtype(fmt))

    def to_float64(self, a) -> np.ndarray:
        return a.detach().to(self.torch.float64).cpu().numpy()

    def cast(self, a, fmt: str):
        return a.to(self.dtype(fmt))

    def exp(self, a):
        return self.torch.exp(a)

    def log(self, a):
        return self.torch.log(a)

    def divide(self, a, b):
        return a / b

    def sum(self, a):
        return a.sum()

    def softmax(self, z):
        return self.torch.softmax(z, dim=0)

    def multiply_(self, x, w):
        return x.mul_(w)

    def normalize_(self, x):
        return x.div_(x.sum())

    def subtract_(self, z, step):
        return z.sub_(step)
