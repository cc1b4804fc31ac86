"""The ``mdtheory`` command line."""

from __future__ import annotations

import argparse
import sys


def demo(args) -> int:
    """Derive entropic MD on the simplex from phi, run it on the precision ladder, print trusted digits."""
    from mdtheory.engine.ladder import PrecisionLadder
    from mdtheory.engine.run import RunSpec, run_mirror_descent
    from mdtheory.symbolic.catalogue import negative_entropy
    from mdtheory.symbolic.inverse import inverse_mirror_map
    from mdtheory.symbolic.mirror_descent import MirrorDescent, closed_form_t_step, md_step
    from mdtheory.symbolic.objectives import linear

    reg = negative_entropy(3)
    md = MirrorDescent(reg, linear(reg.variables, ["0", "1", "2"]))
    print(f"phi = {reg.phi}")
    print(f"inverse mirror map: {inverse_mirror_map(reg).expressions}")
    print(f"MD step: {list(md_step(md))}")
    print(f"T-step map: {list(closed_form_t_step(md))}")
    spec = RunSpec.build(["1e-6", "1/2", "1/2 - 1e-6"], [1, -1, 0], "1e-30", "1/10", 200, record_every=20)
    ladder = PrecisionLadder(args.bits).run(lambda bits: run_mirror_descent(md, spec, bits))
    print(f"\n{'eta*T':>6}  {'separation':>28}  {'tangent log-amplification':>30}")
    for i, t in enumerate(ladder.fine.t):
        print(f"{float(ladder.fine.eta_t[i]):6.1f}  {ladder.trusted('separation', i):>28}  "
              f"{ladder.trusted('log_tangent_amplification', i):>30}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mdtheory", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="derive and run a small example on the precision ladder")
    demo_parser.add_argument("--bits", type=int, default=256)
    demo_parser.set_defaults(handler=demo)
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
