"""Test helpers for code that uses pathways: Hypothesis strategies (and more to come)."""

from pathways.testing import strategies as strategies
