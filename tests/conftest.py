import builtins
import random

import pytest

from mdtheory.symbolic.catalogue import (
    euclidean,
    hypentropy,
    log_barrier,
    mahalanobis,
    negative_entropy,
    p_norm,
    tsallis,
)


def pytest_collection_modifyitems(config, items):
    """Tests that import JAX run last. Once JAX is imported, every os.fork warns that it may deadlock, and many
    tests fork (the symbolic budget's child, process pools, Dask): no test may import JAX at collection time, and
    those that import it run after every other."""
    items.sort(key=lambda item: item.get_closest_marker("imports_jax") is not None)


def catalogue_cases():
    """(id, regularizer) for every catalogue entry, at small dimension."""
    return [
        ("euclidean", euclidean(2)),
        ("mahalanobis", mahalanobis([[2, 1], [1, 3]])),
        ("negative_entropy_simplex", negative_entropy(3)),
        ("negative_entropy_orthant", negative_entropy(2, "positive")),
        ("tsallis_simplex", tsallis(3, "1/2")),
        ("tsallis_orthant", tsallis(2, "3/2", "positive")),
        ("log_barrier", log_barrier(2)),
        ("log_barrier_simplex", log_barrier(3, "simplex")),
        ("hypentropy", hypentropy(2, "1/2")),
        ("p_norm", p_norm(2, "3/2")),
    ]


@pytest.fixture
def rng():
    return random.Random(12345)


@pytest.fixture(scope="session")
def quick_reports():
    """Each paper claim run once at quick settings, shared by the tests that read it."""
    from mdtheory.claims import load_all

    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = load_all()[name](quick=True)
        return cache[name]

    return get


@pytest.fixture
def hide_package(monkeypatch):
    """``hide_package("wordfreq")``: importing it raises ImportError, as on a machine without the extra."""

    def hide(package: str):
        real_import = builtins.__import__

        def without(name, *args, **kwargs):
            if name == package:
                raise ImportError(f"No module named {package!r}")
            return real_import(name, *args, **kwargs)

        monkeypatch.setattr(builtins, "__import__", without)

    return hide


@pytest.fixture(autouse=True, scope="session")
def nothing_is_written_into_the_source_tree():
    """Results go to the current directory or the path given, never into the repository: a test that runs a command
    without changing to its tmp_path would leave a witness, report or sweep file here."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent

    def untracked():
        done = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=root, capture_output=True,
                              text=True)
        return set(done.stdout.splitlines()) if done.returncode == 0 else set()

    before = untracked()
    yield
    added = sorted(line for line in untracked() - before if not line.endswith((".pyc", "/")))
    assert not added, f"the tests wrote into the source tree: {added}"
