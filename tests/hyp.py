"""Hypothesis profiles for the suite, and ``examples(n)`` to scale a test's own budget.

``ci`` (the default, used by ``make test``) is derandomized with no example database: every
run draws the same examples, so a green run stays green on unchanged code and a mutant is
killed by the same test every time. ``thorough`` (``make test-thorough``) draws ten times as
many examples, at random, to look further than ``ci`` does.

Tests that set their own ``max_examples`` write ``settings(max_examples=examples(40))`` so the
``thorough`` profile scales them too. Choose a profile with ``HYPOTHESIS_PROFILE``. A failing
example prints its ``@reproduce_failure`` blob (there is no database to replay it from).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")

# Hypothesis keeps caches (Unicode tables, constants) and failure patches in its home folder:
# a temporary one, so a test run writes nothing into the repository.
set_hypothesis_home_dir(str(Path(tempfile.gettempdir()) / f"pathways-hypothesis-{os.getuid()}"))
FACTOR = {"ci": 1, "thorough": 10}.get(PROFILE, 1)
CI_EXAMPLES = 60

_COMMON = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}
settings.register_profile("ci", max_examples=CI_EXAMPLES, derandomize=True, **_COMMON)
settings.register_profile("thorough", max_examples=10 * CI_EXAMPLES, **_COMMON)
settings.load_profile(PROFILE)


def examples(n: int) -> int:
    """A test's own example budget, times ten under the ``thorough`` profile."""
    return n * FACTOR
