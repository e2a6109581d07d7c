"""The vectorised guard evaluator agrees with pathways.guards.evaluate, case by case."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.errors import SimulationError
from pathways.guards import evaluate as evaluate_one
from pathways.guards import parse_guard
from pathways.simulate.masks import guard_mask
from pathways.simulate.sampling import Column
from tests.hyp import examples

RISKS = ("low", "medium", "high")
ATOMS = [
    "age < 12",
    "age >= 5",
    "12 > age",
    "age == 7",
    "age != 7",
    "age in [1, 2, 3]",
    "age not in [4, 15]",
    "online",
    "not online",
    "online == true",
    "risk == 'high'",
    "risk != 'low'",
    "risk in ['low', 'medium']",
    "risk not in ['high']",
    "risk < 'low'",
    "score <= 0.5",
    "score > age",
    "true",
    "false",
]


def guards() -> st.SearchStrategy[str]:
    atom = st.sampled_from(ATOMS)
    return st.recursive(
        atom,
        lambda inner: st.one_of(
            st.builds(lambda a, b: f"({a}) and ({b})", inner, inner),
            st.builds(lambda a, b: f"({a}) or ({b})", inner, inner),
            st.builds(lambda a: f"not ({a})", inner),
        ),
        max_leaves=6,
    )


@settings(max_examples=examples(80), deadline=None)
@given(guards(), st.integers(0, 2**32 - 1))
def test_vectorised_guard_equals_scalar_evaluate(text: str, seed: int) -> None:
    """For random guards and random cases, the mask matches evaluate() on every case."""
    rng = np.random.default_rng(seed)
    n = 50
    cols = {
        "age": Column(rng.integers(0, 18, size=n)),
        "online": Column(rng.random(n) < 0.5),
        "risk": Column(rng.integers(0, 3, size=n), RISKS),
        "score": Column(rng.uniform(0, 1, size=n)),
    }
    expr = parse_guard(text)
    mask = guard_mask(expr, cols, n)
    for i in range(n):
        data = {
            "age": int(cols["age"].values[i]),
            "online": bool(cols["online"].values[i]),
            "risk": RISKS[int(cols["risk"].values[i])],
            "score": float(cols["score"].values[i]),
        }
        assert bool(mask[i]) == evaluate_one(expr, data), (text, data)


def test_number_compared_with_text_is_false_or_an_error() -> None:
    """Equality with text never holds for a number; ordering a number against text is refused."""
    cols = {"age": Column(np.arange(3))}
    assert not guard_mask(parse_guard("age == 'x'"), cols, 3).any()
    assert guard_mask(parse_guard("age != 'x'"), cols, 3).all()
    with pytest.raises(SimulationError):
        guard_mask(parse_guard("age < 'x'"), cols, 3)
