"""The params TypedDicts make mypy catch a misspelt key or a bad enum value."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from kf_shared import PKG_PARENT

mypy_api = pytest.importorskip("mypy.api")

GOOD = """
from kucoin_fast import WebsocketAPIClient

async def f(c: WebsocketAPIClient) -> None:
    await c.submit_futures_order({"clientOid": "a", "side": "buy", "symbol": "XBTUSDTM",
                                  "type": "limit", "price": "50000", "size": 1})
    await c.cancel_futures_order({"clientOid": "a", "symbol": "XBTUSDTM"})
    await c.cancel_multiple_futures_orders({"orderIdsList": ["1", "2"]})
"""

BAD = """
from kucoin_fast import WebsocketAPIClient

async def f(c: WebsocketAPIClient) -> None:
    await c.submit_futures_order({"clientOID": "a", "side": "buy", "symbol": "XBTUSDTM"})
    await c.submit_futures_order({"clientOid": "a", "side": "bid", "symbol": "XBTUSDTM"})
"""


@pytest.fixture(autouse=True)
def _mypy_finds_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    # An editable install is an import hook mypy cannot follow: point it at the sources
    # (a wheel in site-packages is found by mypy itself, and must not be in MYPYPATH).
    if "site-packages" not in PKG_PARENT:
        monkeypatch.setenv("MYPYPATH", PKG_PARENT)


def _mypy(tmp_path: Path, source: str) -> tuple[str, int]:
    path = tmp_path / "snippet.py"
    path.write_text(textwrap.dedent(source))
    out, err, status = mypy_api.run([str(path), "--strict", "--no-error-summary",
                                     "--cache-dir", str(tmp_path / ".mypy_cache")])
    return out + err, status


def test_valid_params_type_check(tmp_path: Path) -> None:
    out, status = _mypy(tmp_path, GOOD)
    assert status == 0, out


def test_misspelt_key_and_bad_enum_are_errors(tmp_path: Path) -> None:
    out, status = _mypy(tmp_path, BAD)
    assert status == 1, out
    assert '"clientOID"' in out
    assert "'bid'" in out
