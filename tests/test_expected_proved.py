"""``[claim] expected = "proved"`` is accepted only where the problem kind can prove (``Problem.why_not_proved``):
a mirror flow with ``[run] enclosure = true``; every kind judged on the precision ladder alone refuses it, naming
the key and the fix, before anything runs."""

from importlib.resources import files

import pytest

from mdtheory.claimfile import load_claim
from mdtheory.cli import main

LIBRARY = files("mdtheory") / "theorems"


def with_expected(tmp_path, theorem: str, section: str = "[claim]\n") -> str:
    path = tmp_path / "claim.toml"
    text = (LIBRARY / f"{theorem}.toml").read_text()
    assert section in text
    path.write_text(text.replace(section, f'{section}expected = "proved"\n', 1))
    return str(path)


@pytest.mark.parametrize("theorem, kind", [("convergence/beck_teboulle", "offline"), ("online/hedge", "online"),
                                           ("policy/npg_agarwal", "mdp"), ("saddle/hedge_in_a_game", "saddle"),
                                           ("convergence/njls_stochastic_md", "stochastic")])
def test_a_kind_that_cannot_prove_refuses_expected_proved(tmp_path, capsys, theorem, kind):
    assert main(["check", with_expected(tmp_path, theorem), "--no-progress"]) == 2
    message = capsys.readouterr().err
    assert f"[claim] expected: kind '{kind}' is judged on the precision ladder" in message
    assert "expect holds" in message and "enclosure = true" in message


def test_a_twin_expected_proved_is_refused(tmp_path, capsys):
    path = with_expected(tmp_path, "convergence/beck_teboulle", "[twin]\n")
    assert main(["check", path, "--twin", "--no-progress"]) == 2
    assert "[claim] expected: kind 'offline' is judged on the precision ladder" in capsys.readouterr().err


def test_the_same_files_expecting_holds_load():
    """The refusal is about expected = "proved", not about the files."""
    for theorem in ("convergence/beck_teboulle", "online/hedge", "saddle/hedge_in_a_game"):
        assert load_claim(LIBRARY / f"{theorem}.toml").expected == "holds"


def test_a_mirror_flow_without_the_enclosure_names_it(tmp_path, capsys):
    assert main(["check", with_expected(tmp_path, "convergence/mirror_flow_rate"), "--no-progress"]) == 2
    assert "[claim] expected: proved needs the ball enclosure: add [run] enclosure = true" in capsys.readouterr().err


def test_a_mirror_flow_with_the_enclosure_accepts_expected_proved(tmp_path):
    path = with_expected(tmp_path, "convergence/mirror_flow_rate")
    with open(path) as file:
        text = file.read()
    with open(path, "w") as file:
        file.write(text.replace("[run]\n", "[run]\nenclosure = true\n", 1))
    claim = load_claim(path)
    assert claim.expected == "proved" and claim.problem.why_not_proved() is None
