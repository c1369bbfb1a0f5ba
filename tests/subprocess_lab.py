"""For test folders whose JupyterLab runs as a subprocess (tests/ui, tests/studio_image, the front
door): pytest-jupyter's autouse fixtures would start an event loop of their own, which
Playwright's sync API must own. A conftest or module imports these to switch them off."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def jp_asyncio_loop():
    yield None


@pytest.fixture(autouse=True)
def jp_server_cleanup():
    yield
