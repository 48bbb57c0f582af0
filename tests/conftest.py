"""Shared test settings. ``tests/`` is on ``sys.path`` so tests can import ``shared_data``.

Hypothesis runs without its per-example deadline: speed is measured by ``bench/``, never by a
timed assertion here, and a busy CI machine made slow examples fail at random.

The machine's proxy settings are left out of the whole session: the fetches go to loopback servers,
and a developer's or CI's ``HTTP_PROXY`` without ``NO_PROXY`` sent them to the proxy instead (requests
honours the environment, as the command should for a user behind a proxy). It is done before any
fixture runs, module-scoped servers and the command's subprocesses included.
"""

import os

import pytest
from hypothesis import settings

settings.register_profile("project", deadline=None)
settings.load_profile("project")

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


def pytest_configure(config: pytest.Config) -> None:
    for name in PROXY_VARIABLES:
        os.environ.pop(name, None)
        os.environ.pop(name.lower(), None)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost,::1"
