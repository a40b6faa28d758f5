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


SPOT_GOOD = """
from kucoin_fast import MarginOrderResult, SpotModifyResult, SpotOrderState, WebsocketAPIClient
from kucoin_fast import WSAPIResponse

async def f(c: WebsocketAPIClient) -> None:
    r: WSAPIResponse = await c.submit_new_spot_order(
        {"symbol": "BTC-USDT", "side": "buy", "type": "limit", "price": "1", "size": "1"})
    s: SpotOrderState = await c.submitSyncSpotOrder(
        {"symbol": "BTC-USDT", "side": "sell", "type": "market", "funds": 10})
    m: SpotModifyResult = await c.modify_spot_order(
        {"symbol": "BTC-USDT", "orderId": "1", "newPrice": "2"})
    st: SpotOrderState = await c.cancel_sync_spot_order({"symbol": "BTC-USDT", "clientOid": "a"})
    await c.cancel_spot_order({"symbol": "BTC-USDT", "orderId": "1"})
    mo: MarginOrderResult = await c.submit_margin_order(
        {"clientOid": "a", "symbol": "BTC-USDT", "side": "buy", "autoBorrow": True})
    await c.cancel_margin_order({"symbol": "BTC-USDT", "clientOid": "a"})
    print(r.data, s.deal_size, m.new_order_id, st.status, mo.borrow_size)
"""

SPOT_BAD = """
from kucoin_fast import WebsocketAPIClient

async def f(c: WebsocketAPIClient) -> None:
    await c.submit_new_spot_order({"symbol": "BTC-USDT", "side": "buy", "type": "stop"})
    await c.submit_margin_order({"symbol": "BTC-USDT", "side": "buy"})
    await c.cancel_spot_order({"orderId": "1"})
"""


def test_spot_params_type_check(tmp_path: Path) -> None:
    out, status = _mypy(tmp_path, SPOT_GOOD)
    assert status == 0, out
    out, status = _mypy(tmp_path, SPOT_BAD)
    assert status == 1, out
    assert "'stop'" in out and '"clientOid"' in out and "SpotCancel" in out


LOOP_GOOD = """
from kucoin_fast import (ConnectionLostError, OrderEvent, OrderStatus, RequestTimeoutError,
                         UnknownOutcome, WebsocketAPIClient)

async def f(c: WebsocketAPIClient) -> None:
    try:
        await c.submit_futures_order({"clientOid": "a", "side": "buy", "symbol": "XBTUSDTM",
                                      "type": "market", "size": 1})
    except (RequestTimeoutError, ConnectionLostError) as exc:
        if exc.outcome_unknown:
            records: list[UnknownOutcome] = c.take_unknown_outcomes()
            found: dict[str, OrderStatus] = await c.reconcile(records, symbol={"a": "BTC-USDT"})
            status: str = found["a"].status
            filled: str | None = found["a"].filled_size
            await c.reconcile("a", family="futures")
    async with c.order_events(("futures",), symbols=["XBTUSDTM"]) as events:
        async for ev in events:
            e: OrderEvent = ev
            fill: bool = e.is_fill
            size: str | None = e.match_size
    stream = c.order_events(callback=lambda ev: None)
    await stream.start()
    await stream.close()
"""


def test_reconcile_and_order_events_type_check(tmp_path: Path) -> None:
    out, status = _mypy(tmp_path, LOOP_GOOD)
    assert status == 0, out
