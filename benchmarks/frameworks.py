"""The framework table of docs/clients.md: `mdtheory risk --framework` on every framework, device and precision
present here (CUDA rows only where torch or jax sees a CUDA device; none are claimed otherwise).

    python benchmarks/frameworks.py [--d 50000] [--steps 400] [--start zipf:2]

Prints a markdown table (framework, device, precision, update, measured error, bound, emulated error) with the
machine and the date."""

import argparse
import datetime
import platform

from mdtheory.engine.entropic_float import RiskSetting
from mdtheory.engine.frameworks import FrameworkRun
from mdtheory.errors import MDTheoryError
from mdtheory.risk import assess


def devices():
    yield "numpy", "cpu"
    for framework in ("torch", "jax"):
        try:
            module = __import__(framework)
        except ImportError:
            continue
        yield framework, "cpu"
        cuda = module.cuda.is_available() if framework == "torch" else any(d.platform == "gpu" for d in module.devices())
        if cuda:
            yield framework, "cuda"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--d", type=int, default=50000)
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--start", default="zipf:2")
    args = parser.parse_args()
    print(f"{platform.node()} ({platform.processor() or platform.machine()}), {datetime.date.today()}, d = {args.d}, "
          f"start {args.start}, eta = 1/10, T = {args.steps}\n")
    print("| framework | device | precision | update | measured error | bound | emulated error |")
    print("|---|---|---|---|---|---|---|")
    for framework, device in devices():
        for precision, update in (("float32", "multiplicative"), ("float32", "logits"), ("bfloat16", "multiplicative"),
                                  ("bfloat16", "logits"), ("mixed", "logits")):
            run = FrameworkRun(framework, device, precision)
            setting = RiskSetting.build(args.d, args.start, "1", "1/10", args.steps, run.formats.storage, update=update)
            try:
                report = assess(setting, framework=run)
            except MDTheoryError as err:
                print(f"| {framework} | {device} | {precision} | {update} | error: {err} | | |")
                continue
            peaks, why = report.peaks, report.framework["bound_does_not_apply"]
            bound = f"does not apply: {why}" if why else f"{peaks['rounding bound']['max']:.3g}"
            emulated = peaks.get("emulated rounding", peaks["measured rounding"])["max"]
            print(f"| {framework} | {device} | {precision} | {update} | {peaks['measured rounding']['max']:.3g} | {bound} | "
                  f"{emulated:.3g} |")


if __name__ == "__main__":
    main()
