"""Softmax / KL Mirror Descent run with the kernels of the frameworks people train with (numpy, torch, jax).

A framework is a module here exposing ``Backend(device, precision)``; its methods are the framework's own
kernels on its own arrays (``softmax``, ``exp``, ``log``, in-place ``multiply_``/``subtract_`` as a training
loop writes them). torch and jax are optional extras, imported only when a run asks for them; without them
``backend`` raises MissingExtraError naming the install command.

Precisions: float64, float32 and bfloat16 store, compute and return in that format (bfloat16 sums are
expected to accumulate in float32, as the frameworks do; the calibration checks it); ``mixed`` keeps float32
master logits and takes the softmax in bfloat16, as models are trained.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from mdtheory.errors import DomainError, ExpressionError, MissingExtraError

FRAMEWORKS = ("numpy", "torch", "jax")
DEVICES = ("cpu", "cuda")
PRECISIONS = ("float64", "float32", "bfloat16", "mixed")
EXTRAS = {"torch": 'pip install "mdtheory[torch]"', "jax": 'pip install "mdtheory[jax]"'}
REQUIRED_MODULES = {"numpy": (), "torch": ("torch",), "jax": ("jax",)}


@dataclass(frozen=True)
class Formats:
    """The binary formats of one precision: where the iterate (or the logits) is stored, the format the softmax
    takes and returns, and the format sums accumulate in."""

    storage: str
    softmax: str
    accumulator: str


FORMATS = {
    "float64": Formats("float64", "float64", "float64"),
    "float32": Formats("float32", "float32", "float32"),
    "bfloat16": Formats("bfloat16", "bfloat16", "float32"),
    "mixed": Formats("float32", "bfloat16", "float32"),
}


@dataclass(frozen=True)
class FrameworkRun:
    """Which kernels run the update: a framework, a device and a precision."""

    framework: str = "numpy"
    device: str = "cpu"
    precision: str = "float32"

    def __post_init__(self):
        if self.framework not in FRAMEWORKS:
            raise ExpressionError(f"--framework {self.framework!r}: choose one of {', '.join(FRAMEWORKS)}")
        if self.device not in DEVICES:
            raise ExpressionError(f"--device {self.device!r}: choose one of {', '.join(DEVICES)}")
        if self.precision not in PRECISIONS:
            raise ExpressionError(f"--precision {self.precision!r}: choose one of {', '.join(PRECISIONS)}")
        if self.framework == "numpy" and self.device != "cpu":
            raise DomainError("--framework numpy runs on the CPU only; pass --device cpu, or --framework torch or jax "
                              "for a CUDA device")

    @property
    def formats(self) -> Formats:
        return FORMATS[self.precision]

    def describe(self) -> str:
        return f"{self.framework} on {self.device}, {self.precision}"


def backend(run: FrameworkRun):
    """The framework's Backend for ``run``: imports the framework now (never at mdtheory's import)."""
    for module in REQUIRED_MODULES[run.framework]:
        try:
            importlib.import_module(module)
        except ImportError as err:
            raise MissingExtraError(f"--framework {run.framework} needs the {module} package ({err}); install it with "
                                    f"{EXTRAS[run.framework]}") from None
    implementation = importlib.import_module(f"mdtheory.engine.frameworks.{run.framework}_kernels")
    return implementation.Backend(run)
