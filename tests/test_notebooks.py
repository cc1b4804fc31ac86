"""Each notebook is paired with its reviewed text form; CI executes the notebooks with nbmake."""

from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.py"))


def test_there_is_a_notebook_per_claim_and_a_tutorial():
    from mdtheory.claims import load_all

    stems = {p.stem for p in NOTEBOOKS}
    assert set(load_all()) <= stems
    assert "tutorial_check_your_own_regularizer" in stems


@pytest.mark.parametrize("text_form", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_ipynb_matches_its_text_form(text_form):
    paired = text_form.with_suffix(".ipynb")
    assert paired.exists(), f"run: jupytext --to ipynb {text_form}"
    from_text = [c.source for c in jupytext.read(text_form).cells]
    from_ipynb = [c.source for c in jupytext.read(paired).cells]
    assert from_text == from_ipynb, f"{paired.name} is out of sync: run jupytext --sync {text_form}"
