"""The contracts inside the emulator: what the compiled fast path may touch of a
session, and the op registry that new ops plug into without touching the session."""
from __future__ import annotations

import pathlib
import re
from typing import Any

import pytest
from emu_helpers import ACCOUNT, request, session, with_emu

from kucoin_fast.emulator import Emulator, _server, _session
from kucoin_fast.emulator._ops import OPS, OpSpec, op

PYX = pathlib.Path(_session.__file__).with_name("_fastpath.pyx")


def test_fast_path_uses_only_the_session_contract() -> None:
    used = set(re.findall(r"\bsession\.(\w+)", PYX.read_text()))
    assert used, "no session member found: did the .pyx stop naming it `session`?"
    assert used <= _session.FAST_PATH_CONTRACT, used - _session.FAST_PATH_CONTRACT


def test_session_has_every_contract_member() -> None:
    s = _session.Session(Emulator([ACCOUNT]), ACCOUNT, None, False)
    missing = {name for name in _session.FAST_PATH_CONTRACT if not hasattr(s, name)}
    assert not missing


@pytest.mark.skipif(_server._fast is None, reason="fast path not built")
def test_fast_path_state_is_the_sessions() -> None:
    assert _server._fast is not None
    assert _server._fast.ST_AUTHED == _session.ST_AUTHED
    # Imported from _session, not a copied number.
    assert not re.search(r"ST_AUTHED\s*=\s*\d", PYX.read_text())


def test_registry_holds_the_gateway_ops() -> None:
    assert set(OPS) == {"futures.order", "futures.cancel", "futures.multi_order",
                        "futures.multi_cancel", "ping"}
    assert all(isinstance(s, OpSpec) and s.name == n for n, s in OPS.items())
    assert [n for n, s in OPS.items() if not s.limited] == ["ping"]


def test_an_op_registered_elsewhere_is_served_through_the_prelude(fast_path: bool) -> None:
    """Adding an op is one decorated handler: the session, the limits and the
    counters take it as they take the futures ops."""
    name = "test.echo"

    @op(name, family="test", weight=7)
    def echo(s: Any, rid: str, args: Any, t_in: int, rl: Any) -> None:
        s.reply_ok(rid, name, '{"echo":' + str(args["n"]) + "}", t_in, rl)

    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            r = await request(ws, name, {"n": 5})
            assert (r["code"], r["data"], r["userRateLimit"]["remaining"]) == \
                ("200000", {"echo": 5}, 100 - 7)
            assert ex.counters.requests == 1
            r = await request(ws, name, {"n": 6}, rid="x" * 9)
            assert r["code"] == "400102" and "too long" in r["msg"]
    try:
        with_emu(body, rate_limit=100, id_max_len=8, fast_path=fast_path)
        with pytest.raises(ValueError, match="registered twice"):
            op(name, family="test")(echo)
    finally:
        del OPS[name]
