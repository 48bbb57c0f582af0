"""Shared test settings. ``tests/`` is on ``sys.path`` so tests can import ``shared_data``.

Hypothesis runs without its per-example deadline: speed is measured by ``bench/``, never by a
timed assertion here, and a busy CI machine made slow examples fail at random.
"""

from hypothesis import settings

settings.register_profile("project", deadline=None)
settings.load_profile("project")
