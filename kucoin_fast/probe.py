"""``kucoin-fast probe``: connect time and round trips to a WS API gateway, no orders placed.

Each round trip is split with the gateway's own ``inTime``/``outTime`` (ns, asked for
with ``enable_ns``) and the offset between the local and the gateway's clock, read
NTP-style from the session challenge and keepalive pongs. docs/cli.md explains the
method and what the one-way figures can and cannot tell.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from ._cli import CommandError, Parser, run_command
from ._protocol.errors import (
    AuthenticationError,
    ClockSkewError,
    ConfigurationError,
    ConnectError,
    KucoinAPIError,
    KucoinError,
    OrderNotCancelableError,
)
from ._protocol.results import Credentials

__all__ = ["DESCRIPTION", "ClockReading", "add_arguments", "estimate_offset", "main", "probe",
           "run"]

DESCRIPTION = """\
Connect to a KuCoin WS API gateway, make N round trips and split each into
client -> gateway, inside the gateway and gateway -> client (docs/cli.md).

Credentials (--url only) come from the environment variables KUCOIN_API_KEY,
KUCOIN_API_SECRET and KUCOIN_API_PASSPHRASE; they are never printed. The probe
places no orders: each round trip is a futures.cancel of a clientOid that does not
exist (answered 100004 after a full trip through the gateway; weight 1 of the futures
rate-limit pool). --emulator runs an emulator on the probe's own event loop: offline,
the figures then show client and emulator sharing one thread, not a network."""

#: Keepalive ping cadence during a probe: each pong is one reading of the gateway's clock.
PING_INTERVAL_S = 0.02
_PERCENTILES = (("min", 0), ("p50", 50), ("p90", 90), ("p99", 99), ("max", 100))
_LEGS = ("client_to_gateway", "in_gateway", "gateway_to_client")
_LEG_LABELS = ("client -> gateway", "inside the gateway", "gateway -> client")

#: (local ns before, the gateway's timestamp as sent, local ns after).
ClockReading = tuple[int, int, int]


def _unit_ns(stamp: int, local_ns: int) -> int:
    """The unit of a gateway timestamp (1 ns, 1 000 us, 1 000 000 ms or 10**9 s): the
    one that puts it closest to the local epoch time."""
    if stamp <= 0:
        return 1
    return min((1, 1_000, 1_000_000, 1_000_000_000),
               key=lambda unit: abs(math.log10(local_ns / (stamp * unit))))


def estimate_offset(readings: Sequence[ClockReading]) -> dict[str, int] | None:
    """The gateway's clock minus the local one, NTP-style, from the reading with the
    smallest uncertainty: ``offset = stamp - (before + after) / 2``, ``uncertainty =
    (after - before) / 2`` plus half the stamp's unit (a ms stamp covers a whole ms).
    None without readings. All values in ns."""
    best: dict[str, int] | None = None
    for before, stamp, after in readings:
        unit = _unit_ns(stamp, after)
        server_ns = stamp * unit + unit // 2  # the middle of the unit the stamp covers
        uncertainty = (after - before + unit) // 2
        if best is None or uncertainty < best["uncertainty_ns"]:
            best = {"offset_ns": server_ns - (before + after) // 2,
                    "uncertainty_ns": uncertainty, "rtt_ns": after - before,
                    "stamp_unit_ns": unit}
    if best is not None:
        best["readings"] = len(readings)
    return best


def _percentiles(values: list[int]) -> dict[str, int]:
    ordered = sorted(values)
    last = len(ordered) - 1
    return {name: ordered[min(last, p * len(ordered) // 100)] for name, p in _PERCENTILES}


@contextlib.asynccontextmanager
async def _target(url: str | None) -> AsyncIterator[tuple[str, Credentials]]:
    """(base URL, credentials): the given gateway, or an in-process emulator."""
    if url:
        yield url, Credentials.from_env()
        return
    from .emulator import Account, Emulator

    creds = Credentials("probe-key", "probe-secret", "probe-passphrase")
    async with Emulator(accounts=[Account(creds.api_key, creds.api_secret,
                                          creds.api_passphrase)], rate_limit=None) as ex:
        yield ex.url, creds


class _Clock:
    """The connection's clock readings, collected as they change."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.readings: list[ClockReading] = []
        self.pongs = 0
        self.take()

    def take(self) -> None:
        reading = self.conn.server_clock
        if reading is not None and (not self.readings or reading != self.readings[-1]):
            self.readings.append(reading)
            self.pongs += len(self.readings) > 1

    async def wait_pongs(self, pings: int) -> None:
        """Until ``pings`` pongs have been read (or the time for twice as many passed)."""
        for _ in range(2 * pings):
            if self.pongs >= pings:
                return
            await asyncio.sleep(PING_INTERVAL_S)
            self.take()


async def probe(url: str | None, n: int = 200, symbol: str = "XBTUSDTM", pings: int = 10,
                **client_options: Any) -> dict[str, Any]:
    """Connect to ``url`` (None: an in-process emulator), read the gateway's clock
    ``pings`` times, make ``n`` round trips and return the figures (see docs/cli.md):
    ``n``, ``errors``, ``connect_us``, ``min/p50/p90/p99/max_us`` of the round trips,
    ``clock`` (:func:`estimate_offset`) and ``legs_ns`` (per leg, min/p50/p90/p99/max
    in ns; None when the gateway's stamps or clock readings are missing)."""
    from .client import WebsocketAPIClient

    if n < 1:
        raise ValueError("n must be at least 1")
    async with _target(url) as (base_url, creds):
        options = {"enable_ns": True, "ping_interval": PING_INTERVAL_S, **client_options}
        client = WebsocketAPIClient(credentials=creds, ws_url=base_url, **options)
        t0 = time.perf_counter()
        try:
            await client.connect()
            connect_us = (time.perf_counter() - t0) * 1e6
            clock = _Clock(client.connection())
            await clock.wait_pongs(pings)
            trips, errors, last_error = await _round_trips(client, clock, n, symbol)
        finally:
            await client.close()
    if not trips:
        assert last_error is not None
        raise last_error
    rtts = sorted(after - before for before, _, _, after in trips)
    result: dict[str, Any] = {"url": base_url, "n": len(trips), "errors": errors,
                              "connect_us": round(connect_us, 3)}
    for name, value in _percentiles(rtts).items():
        result[f"{name}_us"] = round(value / 1e3, 3)
    offset = estimate_offset(clock.readings)
    result["clock"] = offset
    result["legs_ns"] = None if offset is None else _legs(trips, offset["offset_ns"])
    return result


async def _round_trips(client: Any, clock: _Clock, n: int, symbol: str) \
        -> tuple[list[tuple[int, int, int, int]], int, KucoinError | None]:
    """``n`` probe cancels: (local send ns, inTime, outTime, local receive ns) of each
    expected answer, the count of other answers and the last of them."""
    trips = []
    errors = 0
    last_error: KucoinError | None = None
    for i in range(n):
        before = time.time_ns()
        try:
            reply = await client.cancel_futures_order(
                {"clientOid": f"latency-probe-{i}", "symbol": symbol})
        except OrderNotCancelableError as exc:  # the expected answer: nothing to cancel
            reply = exc.response
        except KucoinAPIError as exc:  # refused (rate limit, permission...): not a trip
            errors += 1
            last_error = exc
            continue
        after = time.time_ns()
        trips.append((before, reply.in_time, reply.out_time, after))
        clock.take()
    return trips, errors, last_error


def _legs(trips: list[tuple[int, int, int, int]], offset_ns: int) \
        -> dict[str, dict[str, int]] | None:
    """Per leg, the percentiles (ns) over the round trips that carry both stamps."""
    legs: tuple[list[int], list[int], list[int]] = ([], [], [])
    for before, in_time, out_time, after in trips:
        if in_time is None or out_time is None:
            continue
        unit = _unit_ns(in_time, after)
        t_in, t_out = in_time * unit, out_time * unit
        legs[0].append(t_in - (before + offset_ns))
        legs[1].append(t_out - t_in)
        legs[2].append(after + offset_ns - t_out)
    if not legs[0]:
        return None
    return {name: _percentiles(values) for name, values in zip(_LEGS, legs)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The probe's command-line options."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--url", help="base gateway URL, e.g. wss://wsapi.kucoin.com/v1/private "
                                   "(credentials from KUCOIN_API_KEY / KUCOIN_API_SECRET / "
                                   "KUCOIN_API_PASSPHRASE)")
    src.add_argument("--emulator", action="store_true", help="probe an in-process emulator "
                                                             "(no credentials needed)")
    parser.add_argument("-n", type=_at_least(1), default=200, help="round trips (default 200)")
    parser.add_argument("--pings", type=_at_least(0), default=10,
                        help="keepalive pongs read before the round trips, for the clock "
                             "offset (default 10)")
    parser.add_argument("--symbol", default="XBTUSDTM",
                        help="contract of the probe cancels (default XBTUSDTM)")
    parser.add_argument("--allow-insecure-ws", action="store_true",
                        help="accept a plain ws:// URL to a host that is not loopback")
    parser.add_argument("--loop", choices=("auto", "uvloop", "asyncio"), default="auto",
                        help="event loop (auto: uvloop when installed)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if value < low:
            raise ValueError(text)
        return value
    parse.__name__ = f"whole number >= {low}"  # what argparse names in its error
    return parse


def _runner(loop: str) -> Any:
    if loop != "asyncio":
        try:
            import uvloop
        except ImportError:
            if loop == "uvloop":
                raise CommandError("--loop uvloop: uvloop is not installed; pip install "
                                   "uvloop, or pass --loop asyncio") from None
        else:
            return uvloop.run
    return asyncio.run


def _check_url(url: str) -> None:
    """A base ws[s]:// URL; the error never repeats a query (it could hold secrets)."""
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise CommandError(f"--url must be a ws:// or wss:// URL with a host (got "
                           f"{parts.scheme or 'no scheme'}{'://' * bool(parts.scheme)}...); "
                           "e.g. wss://wsapi.kucoin.com/v1/private")
    if parts.query or parts.fragment:
        raise CommandError("--url is the base URL without a query (the probe signs its "
                           "own); e.g. wss://wsapi.kucoin.com/v1/private")


#: What to do about each expected failure, most specific class first.
_HINTS: tuple[tuple[type[KucoinError], str], ...] = (
    (ClockSkewError, ("the gateway refused the login timestamp ({exc}): synchronise this "
                      "machine's clock (NTP, e.g. chrony or systemd-timesyncd) and retry")),
    (AuthenticationError, ("the gateway refused the credentials ({exc}): check "
                           "KUCOIN_API_KEY, KUCOIN_API_SECRET, KUCOIN_API_PASSPHRASE and the "
                           "key's IP allow-list")),
    (ConnectError, "{exc}: check --url and that the gateway is up and reachable"),
    (KucoinAPIError, ("every probe cancel was refused ({exc}): check --symbol and the key's "
                      "futures permission")),
)


def _explain(exc: KucoinError) -> str:
    """One line for an expected failure: what went wrong and what to do."""
    if isinstance(exc, ConfigurationError):
        if "environment variable" in str(exc):
            return (f"{exc}: export KUCOIN_API_KEY, KUCOIN_API_SECRET and "
                    "KUCOIN_API_PASSPHRASE (the API key to probe with), or use --emulator")
        return f"--url: {exc}"
    for cls, hint in _HINTS:
        if isinstance(exc, cls):
            return hint.format(exc=exc)
    return f"the probe failed: {exc}; retry"


def run(args: argparse.Namespace) -> int:
    """Run the probe with parsed ``args`` and print the result (exit status 0); an
    expected failure is a :class:`~kucoin_fast._cli.CommandError`."""
    if args.url:
        _check_url(args.url)
    runner = _runner(args.loop)
    options = {"allow_insecure_ws": True} if args.allow_insecure_ws else {}
    try:
        result = runner(probe(args.url, args.n, args.symbol, args.pings, **options))
    except KucoinError as exc:
        raise CommandError(_explain(exc)) from None
    print(json.dumps(result) if args.json else "\n".join(report(result)))
    return 0


def report(result: dict[str, Any]) -> list[str]:
    """The text form of :func:`probe`'s result."""
    lines = [(f"connect+handshake {result['connect_us']:.0f} us; {result['n']} round trips: "
              f"p50 {result['p50_us']:.1f} us, p90 {result['p90_us']:.1f} us, "
              f"p99 {result['p99_us']:.1f} us, min {result['min_us']:.1f} us, "
              f"max {result['max_us']:.1f} us; {result['errors']} refused")]
    clock, legs = result["clock"], result["legs_ns"]
    if clock is None:
        lines.append("no split: the gateway sent no integer timestamp in its challenge or "
                     "pongs, so the clock offset is unknown")
        return lines
    unc = clock["uncertainty_ns"] / 1e3
    lines.append(f"gateway clock - local clock: {clock['offset_ns'] / 1e3:+.1f} us "
                 f"+- {unc:.1f} us (best of {clock['readings']} readings: "
                 f"round trip {clock['rtt_ns'] / 1e3:.1f} us, stamp unit "
                 f"{clock['stamp_unit_ns']} ns)")
    if legs is None:
        lines.append("no split: the replies carried no inTime/outTime")
        return lines
    lines.append(f"split (us; the one-way legs hold only within +- {unc:.1f} us, the "
                 "offset's uncertainty; inside the gateway is exact):")
    lines.append(f"  {'':20}" + "".join(f"{name:>10}" for name, _ in _PERCENTILES))
    for name, label in zip(_LEGS, _LEG_LABELS):
        lines.append(f"  {label:20}" + "".join(f"{legs[name][p] / 1e3:10.1f}"
                                                for p, _ in _PERCENTILES))
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kucoin_fast.probe``: the same as ``kucoin-fast probe``."""
    parser = Parser(prog="kucoin-fast probe", description=DESCRIPTION)
    add_arguments(parser)
    return run_command(parser.prog, run, parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
