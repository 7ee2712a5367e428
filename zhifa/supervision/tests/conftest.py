"""Fixtures of the engine's tests (S1): a test-only problem model whose hits the tests plant (sup_world.py)."""

from zhifa.supervision.tests.sup_world import planted, planted_agency  # noqa: F401
