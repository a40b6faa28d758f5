"""The emulator's three REST hosts: public endpoints without a signature, each family's
paths routed as KuCoin's hosts route them, and KuCoin's JSON envelope for every error
(unknown path, wrong method, bad parameters) on every path."""
from __future__ import annotations

import re

from emu_helpers import request, rest_data, rest_get, session, with_emu

from kucoin_fast.emulator import Emulator

PUBLIC = {
    "spot": ["/api/v1/timestamp", "/api/v1/status", "/api/v2/symbols",
             "/api/v2/symbols/BTC-USDT", "/api/v3/currencies", "/api/v3/currencies/USDT",
             "/api/v1/market/allTickers"],
    "futures": ["/api/v1/timestamp", "/api/v1/status", "/api/v1/contracts/active",
                "/api/v1/contracts/XBTUSDTM"],
}


def _hosts(ex: Emulator) -> dict[str, str]:
    return {"spot": ex.spot_rest_url, "futures": ex.futures_rest_url, "both": ex.rest_url}


def test_public_endpoints_need_no_signature() -> None:
    async def main(ex: Emulator) -> None:
        hosts = _hosts(ex)
        for family, paths in PUBLIC.items():
            for host in (hosts[family], hosts["both"]):
                for path in paths:
                    status, ctype, body = await rest_get(host, path, signed=False)
                    assert (status, ctype, body["code"]) == \
                        (200, "application/json", "200000"), (host, path, body)
        _, _, body = await rest_get(ex.futures_rest_url, "/api/v1/contracts/active", signed=False)
        xbt = next(c for c in body["data"] if c["symbol"] == "XBTUSDTM")
        assert (xbt["multiplier"], xbt["tickSize"], xbt["lotSize"], xbt["baseCurrency"],
                xbt["quoteCurrency"], xbt["isInverse"], xbt["status"]) == \
            (0.001, 0.1, 1, "XBT", "USDT", False, "Open")
        assert xbt["markPrice"] == float(ex.futures.mark_prices["XBTUSDTM"])
        _, _, body = await rest_get(ex.spot_rest_url, "/api/v2/symbols/BTC-USDT", signed=False)
        assert (body["data"]["priceIncrement"], body["data"]["baseMinSize"]) == \
            ("0.1", "0.00001")
        _, _, body = await rest_get(ex.futures_rest_url, "/api/v1/contracts/NOPE", signed=False)
        assert body["code"] == "200003", body
        # the private paths still need one
        status, _, body = await rest_get(ex.spot_rest_url, "/api/v1/hf/accounts/opened",
                                    signed=False)
        assert (status, body["code"]) == (400, "400001"), body
        assert await rest_data(ex.spot_rest_url, "/api/v1/hf/accounts/opened") is True
    with_emu(main)


def test_each_host_routes_its_own_family() -> None:
    async def main(ex: Emulator) -> None:
        ex.set_balance("USDT", "100000", wallet="spot")
        async with session(ex) as ws:
            f = await request(ws, "futures.order", {"clientOid": "f", "symbol": "XBTUSDTM",
                                                    "side": "buy", "type": "market",
                                                    "size": 1})
            s = await request(ws, "spot.order", {"clientOid": "s", "symbol": "BTC-USDT",
                                                 "side": "buy", "type": "limit",
                                                 "price": "1000", "size": "0.001"})
        fid, sid = f["data"]["orderId"], s["data"]["orderId"]
        spot, fut, both = ex.spot_rest_url, ex.futures_rest_url, ex.rest_url
        # the classic spot lookup is spot on the spot host and, by its id, on the shared one
        for host in (spot, both):
            assert (await rest_data(host, f"/api/v1/orders/{sid}"))["clientOid"] == "s"
            assert (await rest_data(host, "/api/v1/order/client-order/s"))["id"] == sid
        assert (await rest_data(both, f"/api/v1/orders/{fid}"))["clientOid"] == "f"
        assert (await rest_data(fut, f"/api/v1/orders/{fid}"))["clientOid"] == "f"
        _, _, body = await rest_get(fut, f"/api/v1/orders/{sid}")
        assert body["code"] == "100001", body  # a spot id is no futures order
        _, _, body = await rest_get(spot, f"/api/v1/orders/{fid}")
        assert body["code"] == "400100" and "not exist" in body["msg"], body
        # GET /api/v1/orders: the classic spot list on the spot host, futures elsewhere
        assert [o["id"] for o in (await rest_data(spot, "/api/v1/orders?status=active"))["items"]] \
            == [sid]
        for host in (fut, both):
            items = (await rest_data(host, "/api/v1/orders?status=done"))["items"]
            assert [o["id"] for o in items] == [fid]
        # futures-only and spot-only paths are unknown on the other host
        status, _, body = await rest_get(spot, "/api/v1/contracts/active", signed=False)
        assert (status, body["code"]) == (404, "404000"), body
        status, _, body = await rest_get(fut, "/api/v1/hf/orders/active?symbol=BTC-USDT")
        assert (status, body["code"]) == (404, "404000"), body
    with_emu(main, rate_limit=None)


def test_errors_are_kucoin_json_envelopes() -> None:
    async def main(ex: Emulator) -> None:
        for host in _hosts(ex).values():
            for signed in (False, True):
                status, ctype, body = await rest_get(host, "/api/v1/nope", signed=signed)
                assert (status, ctype, body) == \
                    (404, "application/json", {"code": "404000", "msg": "Not Found"}), body
            status, ctype, body = await rest_get(host, "/api/v1/timestamp", method="POST")
            assert (status, ctype, body["code"]) == (405, "application/json", "405000"), body
            status, ctype, body = await rest_get(host, "/api/v1/bullet-private", method="GET")
            assert (status, body["code"]) == (405, "405000"), body
    with_emu(main)


def test_no_rest_path_answers_without_a_json_envelope() -> None:
    """Every route of every host, signed or not, with each method and with junk query
    parameters: the body is KuCoin's JSON with a ``code``."""
    async def main(ex: Emulator) -> None:
        for runner, host in zip(ex.rest._runners, _hosts(ex).values()):
            paths = set()
            for resource in runner.app.router.resources():
                canonical = resource.canonical
                paths.add(re.sub(r"\{[^}]+\}", "x", canonical))
                paths.add(re.sub(r"\{[^}]+\}", "x", canonical)
                          + "?symbol=x&status=x&pageSize=0&currentPage=-1&limit=x&startAt=x"
                          + "&tradeType=x&lastId=x")
            for path in sorted(paths):
                for method in ("GET", "POST", "DELETE"):
                    for signed in (True, False):
                        status, ctype, body = await rest_get(host, path, signed=signed,
                                                        method=method)
                        assert ctype == "application/json" and isinstance(body, dict) \
                            and isinstance(body.get("code"), str), (host, method, path, body)
                        assert status != 500, (host, method, path, body)
    with_emu(main, rate_limit=None)
