"""Fixtures of the reliability tests: the transport (plain / TLS) and a guard that fails a test on asyncio's "Task was
destroyed but it is pending", "Unclosed ..." or an unraisable ResourceWarning."""
from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

_HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(params=["plain", "tls"])
def tls(request: pytest.FixtureRequest) -> bool:
    """Run the scenario over ws:// and over wss:// (trustme certificates)."""
    return request.param == "tls"


class _AsyncioErrors(logging.Handler):
    PATTERNS = ("Task was destroyed but it is pending", "Unclosed", "unclosed",
                "Future exception was never retrieved", "Task exception was never retrieved")

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if any(p in text for p in self.PATTERNS):
            self.lines.append(text)


@pytest.fixture(autouse=True)
def _no_asyncio_leaks() -> Iterator[None]:
    """Fail the test if asyncio reports a destroyed pending task or an unclosed object."""
    import gc

    handler = _AsyncioErrors()
    log = logging.getLogger("asyncio")
    log.addHandler(handler)
    try:
        yield
        gc.collect()
    finally:
        log.removeHandler(handler)
    assert not handler.lines, handler.lines


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Turn resource warnings into errors for this directory only (the rest of the suite
    # keeps its own policy).
    for item in items:
        if str(item.path).startswith(_HERE):
            item.add_marker(pytest.mark.filterwarnings("error::ResourceWarning"))
            item.add_marker(pytest.mark.filterwarnings(
                "error::pytest.PytestUnraisableExceptionWarning"))
