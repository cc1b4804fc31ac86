"""A mirror flow's verdict names a stated time by its time, not by the row it is recorded in."""

from mdtheory.cli import main

# f = 0: X(t) = x0 at every time, exactly on both rungs, so D_phi(x*, X(t)) = D0 attains the bound at each time
CONSTANT_FLOW = """
[problem]
kind = "mirror_flow"
variables = ["x1", "x2"]
domain = "reals"
regularizer = "euclidean"
objective = "0"

[run]
x0 = ["1", "2"]
times = ["1/2", 1, 2]
precision_bits = 64

[solution]
x = ["0", "0"]

[claim]
kind = "upper_bound"
quantity = "bregman_to_solution"
bound = "D0"
"""


def test_an_attained_bound_names_the_stated_times(tmp_path, capsys):
    path = tmp_path / "flow.toml"
    path.write_text(CONSTANT_FLOW)
    assert main(["check", str(path), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    # rows 1 and 2 are the times 1/2 and 1
    assert "attained (tight) to the ladder's resolution at t = 1/2 (measured - claimed" in printed, printed
    assert ", t = 1 (measured - claimed" in printed and "t = 2 (measured" not in printed
