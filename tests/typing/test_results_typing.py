"""Replies are typed: mypy sees the response type of every request method, not Any, and
reports a misspelt attribute or a wrong type."""
from __future__ import annotations

from pathlib import Path

import pytest
from test_params_typing import _mypy

pytest.importorskip("mypy.api")

REVEAL = """
from kucoin_fast import WebsocketAPIClient

async def f(c: WebsocketAPIClient) -> None:
    r = await c.submit_futures_order({"clientOid": "a", "side": "buy", "symbol": "XBTUSDTM",
                                      "type": "market", "size": 1})
    reveal_type(r)
    reveal_type(r.code)
    reveal_type(r.msg)
    reveal_type(r.rate_limit)
    reveal_type(await c.cancel_futures_order({"orderId": "1"}))
    reveal_type(await c.submit_new_spot_order({"symbol": "BTC-USDT", "side": "buy",
                                               "type": "market", "funds": "1"}))
    reveal_type(await c.cancel_spot_order({"symbol": "BTC-USDT", "orderId": "1"}))
    reveal_type(await c.cancel_margin_order({"symbol": "BTC-USDT", "orderId": "1"}))
"""

MISSPELT = """
from kucoin_fast import WebsocketAPIClient

async def f(c: WebsocketAPIClient) -> None:
    r = await c.submit_futures_order({"clientOid": "a", "side": "buy", "symbol": "XBTUSDTM",
                                      "type": "market", "size": 1})
    print(r.dta, r.rate_limt)
    n: int = r.code
"""


def test_replies_are_the_response_type(tmp_path: Path) -> None:
    out, _ = _mypy(tmp_path, REVEAL)
    revealed = [line.split("Revealed type is ", 1)[1] for line in out.splitlines()
                if "Revealed type is" in line]
    assert len(revealed) == 8, out
    response = '"kucoin_fast._core.connection.WSAPIResponse"'
    assert revealed[0] == response
    assert revealed[1].replace("builtins.", "") == '"str"'
    assert revealed[2].replace("builtins.", "") in ('"str | None"', '"Union[str, None]"')
    assert "RateLimit" in revealed[3]
    assert revealed[4:] == [response] * 4, revealed
    assert "Any" not in "".join(revealed)


def test_misspelt_attributes_and_wrong_types_are_errors(tmp_path: Path) -> None:
    out, status = _mypy(tmp_path, MISSPELT)
    assert status == 1, out
    assert '"dta"' in out and '"rate_limt"' in out
    assert "Incompatible types in assignment" in out


PROTOCOL = """
from typing import Any

from kucoin_fast._core import connection, connection_c
from kucoin_fast._protocol.results import Response, SpotOrderState


def both(a: connection.WSAPIResponse, b: connection_c.WSAPIResponse) -> list[Response]:
    return [a, b]


class NoWsKey:
    id = op = code = "x"
    msg: str | None = None
    data: Any = None
    in_time: int | None = None
    out_time: int | None = None
    rate_limit = None
    ok = True

    def to_dict(self) -> dict[str, Any]:
        return {}


SpotOrderState.from_response(NoWsKey())
"""


def test_both_builds_replies_are_the_protocols_response(tmp_path: Path) -> None:
    """The typed results and the op table read replies as ``Response``: both builds'
    ``WSAPIResponse`` (the compiled one through its stubtest-checked stub) satisfy it,
    and a reply type lacking a member does not."""
    out, status = _mypy(tmp_path, PROTOCOL)
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert len(errors) == 1 and "NoWsKey" in errors[0] and status == 1, out
    assert "ws_key" in out, out
