"""Shared test settings. ``tests/`` is on ``sys.path`` so tests can import ``shared_data``."""
