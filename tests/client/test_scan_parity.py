"""Property test: the two reply scanners (simdjson, and the ``json`` oracle) give one
verdict on hostile JSON: the same kind, fields, ``data``, rate limit and id for every
message, scanned in place from a frame, from bytes, or as a handshake message.

The messages mix valid and invalid JSON on purpose: invalid UTF-8 (raw bytes, encoded
surrogates, cut sequences), NaN/Infinity literals, duplicate keys, nesting around the
depth limit, numbers beyond 64 bits and beyond a double, lone surrogate escapes, a BOM,
trailing garbage, every kind of whitespace.
"""
from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from kf_shared import COMPILED
from picows import WSMsgType
from picows.picows import _make_test_ws_frame

from kucoin_fast._core import parse_py as _parse_py
from kucoin_fast._core.build import PYTHON

pytestmark = pytest.mark.skipif(COMPILED is None, reason="compiled build not available")

_KEYS = [b"id", b"op", b"code", b"msg", b"data", b"inTime", b"outTime", b"userRateLimit",
         b"rateLimit", b"limit", b"remaining", b"reset", b"sessionId", b"pingInterval",
         b"pingTimeout", b"i\\u0064", b"\\u0000"]
_NUMBERS = [b"0", b"-0", b"1", b"-1", b"2e5", b"1E400", b"-1e400", b"1e-400", b"0.1", b"-0.0",
            b"18446744073709551615", b"18446744073709551616", b"-9223372036854775808",
            b"-9223372036854775809", b"9223372036854775807", b"9223372036854775808",
            b"1" + b"0" * 40, b"NaN", b"Infinity", b"-Infinity", b"01", b"1.", b".5", b"+1",
            b"1e", b"18000", b"60000"]
_STRINGS = [b'"\\ud800"', b'"\\udc00x"', b'"\\ud83d\\ude00"', b'"\\ud800\\u0041"', b'"\\u0000"',
            b'"\xff"', b'"\xed\xa0\x80"', b'"\xc3"', b'"\xc3\xa9"', b'"\xf0\x9f\x98\x80"',
            b'"ping-1"', b'"ping-"', b'"ping-01"', b'"200000"', b'"1"', b'"01"', b'"2"',
            b'"futures.order"', b'"futures.cancel"', b'"x\\"y"', b'"\\/"', b'"\t"', b'""']
_SPACE = st.sampled_from([b"", b" ", b"\t", b"\n", b"\r\n", b"\x0c", b"\xc2\xa0", b"  \n\t"])

_scalars = st.one_of(
    st.sampled_from(_NUMBERS), st.sampled_from(_STRINGS),
    st.sampled_from([b"true", b"false", b"null", b"nul", b"True"]),
    st.integers(-2**70, 2**70).map(lambda i: str(i).encode()),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda f: repr(f).encode()),
    st.text(max_size=12).map(lambda t: json.dumps(t, ensure_ascii=False).encode("utf-8",
                                                                                "surrogatepass")),
)


def _obj(members: list[tuple[bytes, bytes]]) -> bytes:
    return b"{" + b",".join(b'"' + k + b'":' + v for k, v in members) + b"}"


_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4).map(lambda items: b"[" + b",".join(items) + b"]"),
    st.lists(st.tuples(st.sampled_from(_KEYS), inner), max_size=4).map(_obj)),
    max_leaves=10)


@st.composite
def _messages(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["doc", "doc", "doc", "deep", "value", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=60))
    if kind == "value":
        body = draw(_values)
    elif kind == "deep":
        depth = draw(st.integers(_parse_py.MAX_DEPTH - 3, _parse_py.MAX_DEPTH + 3))
        inner = b"[" * (depth - 1) + b"]" * (depth - 1)
        body = _obj([(b"id", b'"1"'), (b"code", b'"200000"'), (b"data", inner)])
    else:
        members = draw(st.lists(st.tuples(st.sampled_from(_KEYS), _values), max_size=7))
        body = _obj(members)
        sep = draw(_SPACE)
        if sep:
            body = body.replace(b",", sep + b"," + sep).replace(b":", b":" + sep)
    prefix = draw(st.sampled_from([b"", b"", b"\xef\xbb\xbf", b" \xef\xbb\xbf"])) + draw(_SPACE)
    suffix = draw(_SPACE) + draw(st.sampled_from([b"", b"", b"", b"x", b"{}", b"\x00", b"]"]))
    text = prefix + body + suffix
    if draw(st.integers(0, 9)) == 0:
        text = text[:draw(st.integers(0, len(text)))]
    return text


def _state(scan: Any, handshake: bool) -> str:
    fields: list[Any] = [scan.kind, scan.request_id, scan.op, scan.code, scan.code_ok, scan.msg,
                         scan.in_time_raw, scan.out_time_raw, scan.take_data(),
                         scan.take_rate_limit(), scan.id_text(), scan.id_text(3)]
    if scan.kind in (_parse_py.K_MALFORMED, _parse_py.K_BAD_UTF8):
        fields.append(scan.why)
    if handshake:
        fields += [scan.session_id, scan.ping_interval, scan.ping_timeout]
    return repr(fields)  # repr tells 0 from -0.0, 1 from 1.0 and True


SCANS = [COMPILED.parse.ReplyScan(), PYTHON.parse.ReplyScan()] if COMPILED else []


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(messages=st.lists(_messages(), min_size=1, max_size=4))
@example(messages=[(b'{"id":"1","op":"futures.order","code":"200000","msg":"\\ud800",'
                    b'"data":[18446744073709551616,1e400,-9223372036854775809]}')])
@example(messages=[b'{"id":"1","code":"1","userRateLimit":null,"rateLimit":{"limit":1}}',
                   b'{"id":"1","op":"a","op":5,"code":"200000","code":7}'])
def test_scanners_agree(messages: list[bytes]) -> None:
    compiled, oracle = SCANS
    for payload in messages:
        frame = _make_test_ws_frame(WSMsgType.TEXT, payload, True, False)
        states = []
        for scan in (compiled, oracle):
            scan.scan_frame(frame)
            from_frame = _state(scan, False)
            scan.scan_bytes(payload)
            assert _state(scan, False) == from_frame
            states.append(from_frame)
            scan.scan_handshake(payload)
            states.append(_state(scan, True))
        assert states[:2] == states[2:], payload


def test_the_verdicts() -> None:
    """What both builds decide (the choices documented in docs/client.md)."""
    for scan in SCANS:
        assert scan.scan_bytes(b'{"id":"1","code":"200000","msg":"\\ud800","data":1e400}') \
            == _parse_py.K_REPLY and scan.msg == "\ud800" and scan.take_data() == float("inf")
        assert scan.scan_bytes(b'{"id":"1","code":"200000","data":NaN}') == _parse_py.K_MALFORMED
        assert scan.scan_bytes(b'{"id":"1","code":"\xff"}') == _parse_py.K_BAD_UTF8
        assert scan.scan_bytes(b'{"id":"1","code":"\xed\xa0\x80"}') == _parse_py.K_BAD_UTF8
        assert scan.scan_bytes(b'\xef\xbb\xbf{"id":"1","code":"1"}') == _parse_py.K_REPLY
        assert scan.scan_bytes(b'{"id":"1","code":"1"} x') == _parse_py.K_MALFORMED
        deep = _parse_py.MAX_DEPTH - 1
        nested = b'{"id":"1","code":"1","data":%s%s}' % (b"[" * deep, b"]" * deep)
        assert scan.scan_bytes(nested) == _parse_py.K_REPLY
        nested = b'{"id":"1","code":"1","data":%s%s}' % (b"[" * (deep + 1), b"]" * (deep + 1))
        assert scan.scan_bytes(nested) == _parse_py.K_MALFORMED
        assert scan.scan_bytes(b'{"id":"1","code":"1","id":2}') == _parse_py.K_MALFORMED
