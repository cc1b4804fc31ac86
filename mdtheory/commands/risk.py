"""mdtheory risk: when does the initialization sensitivity of softmax / KL MD matter in a setting?"""

from __future__ import annotations

from pathlib import Path

from mdtheory.commands import writable_folder

NAME = "risk"


def add_arguments(commands) -> None:
    parser = commands.add_parser(NAME, help="predict when initialization sensitivity of softmax/KL MD matters in a setting")
    parser.add_argument("--d", type=int, required=True, help="number of outcomes (tokens, arms)")
    parser.add_argument("--start", default="uniform", help="uniform | zipf:S | min:P (default uniform)")
    parser.add_argument("--spread", default="1", help="cost gap between the rare favoured outcome and the rest (default 1)")
    parser.add_argument("--eta", default="1/10", help="step size (exact: 1/10, 0.1, 1e-2)")
    parser.add_argument("--steps", type=int, default=1000, help="horizon T")
    parser.add_argument("--arithmetic", help="float64 | float32 | bfloat16 (default float64): the emulated run (numpy, ml_dtypes)")
    parser.add_argument("--framework", help="numpy | torch | jax: run the update with that framework's own kernels, "
                                       "calibrate them and bound the run under the calibrated model")
    parser.add_argument("--device", help="cpu | cuda (with --framework; default cpu)")
    parser.add_argument("--precision", help="float64 | float32 | bfloat16 | mixed (float32 master logits, bfloat16 "
                                       "softmax; with --framework; default float32)")
    parser.add_argument("--update", default="multiplicative",
                   help="how the run stores the iterate: multiplicative (x) or logits (z, x = softmax(z))")
    parser.add_argument("--noise", help="initialization noise level sigma (absolute, l2)")
    parser.add_argument("--tolerance", default="1e-3", help="separation that counts as mattering (default 1e-3)")
    parser.add_argument("--anchor", help="LAMBDA[,LAMBDA...]: strengths of a fixed anchor at the uniform distribution; "
                                    "reports the cost of stabilization against plain MD (bias, extra steps, "
                                    "amplification, time per step)")
    parser.add_argument("--target-gap", help="with --anchor: the suboptimality f(x) - min f the steps are counted to "
                                        "(default 1e-3, in the cost's units)")
    parser.add_argument("--out", help="write risk.md, risk.json and risk.png here (with --anchor also stabilization.png)")
    parser.add_argument("--no-validate", action="store_true", help="skip the measured run in the stated arithmetic")
    parser.set_defaults(handler=risk)


def risk(args) -> int:
    from mdtheory.risk import RiskSetting, assess, markdown, parse_anchors, parse_target_gap, write

    from mdtheory.engine.frameworks import FrameworkRun
    from mdtheory.errors import ExpressionError

    framework = None
    if args.framework is None:
        given = [name for name in ("device", "precision") if getattr(args, name) is not None]
        if given:
            raise ExpressionError(f"--{given[0]} chooses how a framework runs the update; add --framework numpy, torch "
                                  "or jax (or use --arithmetic for the emulation)")
        arithmetic = args.arithmetic or "float64"
    else:
        if args.precision and args.arithmetic and args.precision != args.arithmetic:
            raise ExpressionError(f"--precision {args.precision} and --arithmetic {args.arithmetic} disagree; with "
                                  "--framework give --precision only")
        framework = FrameworkRun(args.framework, args.device or "cpu", args.precision or args.arithmetic or "float32")
        # the closed forms' arithmetic: the format the iterate or the master logits are stored in
        arithmetic = framework.formats.storage
    anchors = () if args.anchor is None else parse_anchors(args.anchor)
    target_gap = parse_target_gap(args.target_gap)
    # one lambda also draws the anchored columns beside plain MD's; several are compared in their own table
    setting = RiskSetting.build(args.d, args.start, args.spread, args.eta, args.steps, arithmetic, args.noise,
                                args.tolerance, anchors[0] if len(anchors) == 1 else None, args.update)
    if args.out:
        writable_folder(args.out, "--out")
    report = assess(setting, validate=not args.no_validate, framework=framework, anchors=anchors,
                    target_gap=target_gap)
    print(markdown(report))
    if args.out:
        paths = write(report, Path(args.out))
        print("wrote " + ", ".join(map(str, paths)))
    return 0
