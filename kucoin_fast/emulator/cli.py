"""Emulator command line: ``kucoin-fast emulator …`` / ``python -m kucoin_fast.emulator``.

The start-up lines say everything a client needs to connect (docs/cli.md); the first
one, ``kucoin_fast emulator listening on <ws url>``, is what benchmarks and tests parse.
"""
from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import signal
import ssl
import sys
from collections.abc import Sequence
from dataclasses import fields

from .._cli import CommandError, Parser, run_command
from ._auth import Account
from ._config import DEFAULT_FUTURES_BALANCES, DEFAULT_SPOT_BALANCES
from ._faults import (
    CLOSE_MODES,
    MALFORMED_KINDS,
    MALFORMED_MODES,
    REFUSE_MODES,
    REORDER_MODES,
    Faults,
)
from ._ledger import POSITION_MODES
from ._server import Emulator

# Demo credentials for local use only (printed at start-up only while in use).
DEMO_API_KEY = "emulator-key"
DEMO_API_SECRET = "emulator-secret"
DEMO_API_PASSPHRASE = "emulator-passphrase"

_CHOICES: dict[str, Sequence[str]] = {
    "reorder_mode": REORDER_MODES, "close_mode": CLOSE_MODES, "malformed": MALFORMED_KINDS,
    "malformed_mode": MALFORMED_MODES, "refuse_mode": REFUSE_MODES,
}
_FAULT_HELP: dict[str, str] = {
    "latency_ms": "delay every reply by this many ms",
    "jitter_ms": "add a random delay in [0, N) ms per reply (may reorder)",
    "drop_fraction": "fraction of replies dropped (the request still executes)",
    "duplicate_fraction": "fraction of replies sent twice",
    "reorder_window": "release replies in windows of N, reordered",
    "reorder_mode": "order of a released window",
    "reorder_flush_ms": "release a partly filled window after this many ms",
    "close_after": "close each connection once it has received N trading requests",
    "close_answer": "answer those N requests before closing (default: leave them unanswered)",
    "close_mode": "close frame 1001 + FIN, FIN only, or RST",
    "stall_before_challenge": "never send the challenge",
    "stall_before_welcome": "verify the signature but never send the welcome",
    "spaced_challenge": 'challenge as {"sessionId":"...", "timestamp": 123}',
    "reversed_challenge": "challenge keys in the order timestamp, sessionId",
    "blackhole": "half-open peer: read and discard everything, send nothing",
    "malformed": "kind of malformed frame to send with (or instead of) replies",
    "malformed_fraction": "fraction of replies affected by --malformed",
    "malformed_mode": "inject before the real reply, or replace it",
    "oversized_bytes": "payload size of --malformed oversized",
    "rate_limit_fraction": "fraction of trading requests answered 429000 (not executed)",
    "refuse_connections": "refuse the next N connection attempts",
    "refuse_mode": "HTTP 503 to the upgrade, or TCP closed before any HTTP reply",
    "session_max_age_s": "close authenticated sessions after this many seconds",
    "seed": "seed of the fault RNG (reproducible runs)",
}
_OPTIONAL_INT = {"close_after", "seed"}
DEFAULT_PORT = 8765
#: The other services' ports, as offsets from ``--port`` when not given (``--port 0``:
#: every port is picked free).
PORT_OFFSETS: dict[str, int] = {"rest_port": 1, "push_port": 2, "spot_rest_port": 3,
                                "futures_rest_port": 4}
DESCRIPTION = (
    "Local KuCoin WS API gateway emulator (no real orders, no real money). Clients log in "
    f"with --api-key/--api-secret/--api-passphrase (default {DEMO_API_KEY} / "
    f"{DEMO_API_SECRET} / {DEMO_API_PASSPHRASE}). The WS API listens on --port (default "
    f"{DEFAULT_PORT}), the REST host on --port+1, the push service on --port+2, the spot and "
    "futures REST hosts on --port+3 and --port+4, unless given; --port 0 picks every port "
    "free. The start-up lines print the URLs and a ready-to-paste client.")
_OPTIONAL_FLOAT = {"session_max_age_s"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the emulator's options to ``parser`` (used by ``kucoin_fast.__main__``)."""
    _add_server_arguments(parser)
    _add_gateway_arguments(parser)
    _add_account_arguments(parser)
    _add_fault_arguments(parser)


def _add_server_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("server")
    g.add_argument("--host", default="127.0.0.1", help="bind address (default loopback)")
    g.add_argument("--port", type=_port, default=DEFAULT_PORT,
                   help=f"TCP port of the WS API (default {DEFAULT_PORT}); 0 picks a free one "
                        "for every service")
    for dest, what in (("rest_port", "the REST service (lookups, bullet tokens)"),
                       ("push_port", "the private push service (order events)"),
                       ("spot_rest_port", "the REST host routed as KuCoin's spot host"),
                       ("futures_rest_port", "the REST host routed as KuCoin's futures host")):
        g.add_argument("--" + dest.replace("_", "-"), type=_port, default=None,
                       help=f"TCP port of {what} (default --port + {PORT_OFFSETS[dest]}, "
                            "or a free one with --port 0); 0 picks a free one")
    g.add_argument("--api-key", default=DEMO_API_KEY,
                   help=f"API key clients log in with (default {DEMO_API_KEY})")
    g.add_argument("--api-secret", default=DEMO_API_SECRET,
                   help=f"its API secret (default {DEMO_API_SECRET})")
    g.add_argument("--api-passphrase", default=DEMO_API_PASSPHRASE,
                   help=f"its API passphrase (default {DEMO_API_PASSPHRASE})")
    g.add_argument("--account", action="append", default=[], metavar="KEY:SECRET:PASSPHRASE",
                   help="an extra account (repeatable)")
    g.add_argument("--broker", action="append", default=[], metavar="PARTNER=BROKER_KEY",
                   help="a broker partner and its key (repeatable)")
    g.add_argument("--certfile", help="TLS certificate (PEM): serve wss://")
    g.add_argument("--keyfile", help="TLS private key (PEM)")
    g.add_argument("--mark-price", action="append", default=[], metavar="SYMBOL=PRICE",
                   help="mark price a limit order must cross to fill (repeatable)")
    g.add_argument("--no-uvloop", action="store_true", help="use the stock asyncio loop")
    g.add_argument("--log-level", default="WARNING", type=str.upper,
                   choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
                   help="log level (default WARNING)")


def _add_gateway_arguments(parser: argparse.ArgumentParser) -> None:
    c = parser.add_argument_group("gateway behaviour")
    c.add_argument("--timestamp-window-ms", type=int, default=5000)
    c.add_argument("--strict-plus", action="store_true",
                   help="decode a raw '+' in the URL query as a space")
    c.add_argument("--handshake-timeout", type=float, default=30.0, metavar="SECONDS")
    c.add_argument("--ping-interval-ms", type=int, default=18_000)
    c.add_argument("--ping-timeout-ms", type=int, default=10_000)
    c.add_argument("--idle-timeout-ms", type=int, default=None)
    rl = c.add_mutually_exclusive_group()
    rl.add_argument("--rate-limit", type=int, default=2000, metavar="N",
                    help="request weight per account per window (default 2000)")
    rl.add_argument("--no-rate-limit", action="store_true", help="disable rate limiting")
    c.add_argument("--rate-limit-window-ms", type=int, default=30_000)
    c.add_argument("--rate-limit-on-orders", action="store_true",
                   help="attach userRateLimit to order replies too")
    c.add_argument("--connection-rate-limit", type=int, default=None, metavar="N",
                   help="per-connection requests per window (429002)")
    c.add_argument("--connection-rate-window-ms", type=int, default=1000)
    c.add_argument("--max-errors", type=int, default=None,
                   help="close with 420001 after this many error replies")
    c.add_argument("--id-max-len", type=int, default=None)
    c.add_argument("--history-size", type=int, default=10_000)
    c.add_argument("--max-frame-size", type=int, default=1024 * 1024)
    c.add_argument("--weight", action="append", default=[], metavar="OP=N",
                   help="rate-limit weight of an op, e.g. futures.order=2 (repeatable)")
    c.add_argument("--no-fast-path", action="store_true",
                   help="serve every request with the pure-Python path")
    c.add_argument("--busy-poll", action="store_true",
                   help="never sleep in the event loop (an always-busy gateway; burns a core)")
    c.add_argument("--rest-visibility-delay-ms", type=int, default=0, metavar="MS",
                   help="REST lookups do not find orders younger than this (KuCoin's lag)")
    c.add_argument("--token-ttl-s", type=float, default=86_400.0, metavar="SECONDS",
                   help="lifetime of a bullet-private push token")


def _add_account_arguments(parser: argparse.ArgumentParser) -> None:
    a = parser.add_argument_group("accounts and markets (every account starts the same)")
    spot = ",".join(f"{c}={v}" for c, v in DEFAULT_SPOT_BALANCES.items())
    futures = ",".join(f"{c}={v}" for c, v in DEFAULT_FUTURES_BALANCES.items())
    a.add_argument("--spot-balance", action="append", default=[], metavar="CUR=AMOUNT",
                   help=f"starting spot balance (repeatable; default {spot})")
    a.add_argument("--margin-balance", action="append", default=[], metavar="CUR=AMOUNT",
                   help="starting cross (and isolated) margin balance (repeatable; default "
                        "as spot)")
    a.add_argument("--futures-balance", action="append", default=[], metavar="CUR=AMOUNT",
                   help=f"starting futures balance (repeatable; default {futures})")
    a.add_argument("--position-mode", choices=POSITION_MODES, default="auto",
                   help="futures position mode of every account (default auto: positionSide "
                        "decides)")
    a.add_argument("--spot-price", action="append", default=[], metavar="SYMBOL=PRICE",
                   help="spot price market orders fill at (repeatable)")
    a.add_argument("--spot-rate-limit", type=int, default=4000, metavar="N",
                   help="Spot-pool weight (spot and margin ops) per account per window")
    a.add_argument("--spot-post-only-ioc", choices=("reject", "ignore"), default="reject",
                   help="spot/margin postOnly with IOC/FOK: reject (400100) or ignore the flag")


def _port(text: str) -> int:
    """A TCP port number (argparse type): 0..65535."""
    port = int(text)
    if not 0 <= port <= 65535:
        raise ValueError(text)
    return port


_port.__name__ = "port number (0-65535)"  # what argparse names in its error


def _pairs(specs: Sequence[str], flag: str, what: str) -> list[tuple[str, str]]:
    """``KEY=VALUE`` flag values as pairs (a CommandError naming the flag otherwise)."""
    out = []
    for spec in specs:
        key, sep, value = spec.partition("=")
        if not sep or not key or not value:
            raise CommandError(f"{flag} must be {what}, got {spec!r}")
        out.append((key, value))
    return out


def _apply_markets(em: Emulator, args: argparse.Namespace) -> None:
    """The pair-list flags: weights, balances, mark and spot prices."""
    cfg = em.config
    for op, weight in _pairs(args.weight, "--weight", "OP=N"):
        if not weight.isdigit():
            raise CommandError(f"--weight must be OP=N with N a whole number, got {op}={weight}")
        cfg.weights[op] = int(weight)
    for flag, balances in (("spot_balance", cfg.spot_balances),
                           ("margin_balance", cfg.margin_balances),
                           ("futures_balance", cfg.futures_balances)):
        for currency, amount in _pairs(getattr(args, flag), "--" + flag.replace("_", "-"),
                                       "CUR=AMOUNT"):
            balances[currency] = amount
    for symbol, price in _pairs(args.mark_price, "--mark-price", "SYMBOL=PRICE"):
        em.set_mark_price(symbol, price)
    for symbol, price in _pairs(args.spot_price, "--spot-price", "SYMBOL=PRICE"):
        em.set_spot_price(symbol, price)


def _add_fault_arguments(parser: argparse.ArgumentParser) -> None:
    f = parser.add_argument_group("fault switches (see kucoin_fast.emulator.Faults)")
    for fld in fields(Faults):
        if fld.name == "rng" or not fld.init:
            continue
        flag = "--" + fld.name.replace("_", "-")
        hlp = _FAULT_HELP.get(fld.name)
        if fld.name in _CHOICES:
            f.add_argument(flag, choices=list(_CHOICES[fld.name]), default=fld.default, help=hlp)
        elif isinstance(fld.default, bool):
            f.add_argument(flag, action="store_true", help=hlp)
        elif fld.name in _OPTIONAL_INT:
            f.add_argument(flag, type=int, default=None, help=hlp)
        elif fld.name in _OPTIONAL_FLOAT:
            f.add_argument(flag, type=float, default=None, help=hlp)
        elif isinstance(fld.default, int):
            f.add_argument(flag, type=int, default=fld.default, help=hlp)
        else:
            f.add_argument(flag, type=float, default=fld.default, help=hlp)


def service_ports(args: argparse.Namespace) -> dict[str, int]:
    """The REST and push ports: as given, else ``--port`` + :data:`PORT_OFFSETS`
    (free ones with ``--port 0``)."""
    ports = {}
    for dest, offset in PORT_OFFSETS.items():
        given = getattr(args, dest)
        port = given if given is not None else args.port + offset if args.port else 0
        if port > 65535:
            flag = "--" + dest.replace("_", "-")
            raise CommandError(f"{flag} would be --port + {offset} = {port}, above 65535; "
                               f"pass a lower --port or {flag} explicitly")
        ports[dest] = port
    return ports


def _tls_context(certfile: str | None, keyfile: str | None) -> ssl.SSLContext | None:
    if not certfile:
        if keyfile:
            raise CommandError("--keyfile needs --certfile (the certificate it belongs to)")
        return None
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        ctx.load_cert_chain(certfile, keyfile)
    except (OSError, ssl.SSLError) as exc:
        raise CommandError(f"cannot load the TLS certificate --certfile {certfile}"
                           f"{f' / --keyfile {keyfile}' if keyfile else ''}: "
                           f"{exc.strerror or exc}; pass a PEM certificate and its "
                           "private key") from None
    return ctx


def build_emulator(args: argparse.Namespace) -> Emulator:
    """Create (not start) an :class:`Emulator` from parsed arguments (a
    :class:`~kucoin_fast._cli.CommandError` for a bad flag value)."""
    accounts = [Account(args.api_key, args.api_secret, args.api_passphrase)]
    for spec in args.account:
        parts = spec.split(":")
        if len(parts) != 3 or not all(parts):
            raise CommandError("--account must be KEY:SECRET:PASSPHRASE (three non-empty "
                               "parts)")
        accounts.append(Account(*parts))
    brokers = dict(_pairs(args.broker, "--broker", "PARTNER=BROKER_KEY"))
    ctx = _tls_context(args.certfile, args.keyfile)
    try:
        faults = Faults(**{fld.name: getattr(args, fld.name) for fld in fields(Faults)
                           if fld.name != "rng" and fld.init})
    except ValueError as exc:  # "<field> must be ...": name the flag instead
        name, _, rule = str(exc).partition(" ")
        raise CommandError(f"--{name.replace('_', '-')} {rule}") from None
    ports = service_ports(args)
    em = Emulator(
        accounts, host=args.host, port=args.port, ssl_context=ctx, brokers=brokers,
        faults=faults, rest_port=ports["rest_port"], push_port=ports["push_port"],
        spot_rest_port=ports["spot_rest_port"], futures_rest_port=ports["futures_rest_port"],
        rest_visibility_delay_ms=args.rest_visibility_delay_ms, token_ttl_s=args.token_ttl_s,
        timestamp_window_ms=args.timestamp_window_ms, strict_plus=args.strict_plus,
        handshake_timeout_s=args.handshake_timeout, ping_interval_ms=args.ping_interval_ms,
        ping_timeout_ms=args.ping_timeout_ms, idle_timeout_ms=args.idle_timeout_ms,
        rate_limit=None if args.no_rate_limit else args.rate_limit,
        rate_limit_window_ms=args.rate_limit_window_ms,
        rate_limit_on_orders=args.rate_limit_on_orders,
        connection_rate_limit=args.connection_rate_limit,
        connection_rate_window_ms=args.connection_rate_window_ms,
        max_errors=args.max_errors, id_max_len=args.id_max_len,
        history_size=args.history_size, max_frame_size=args.max_frame_size,
        fast_path=not args.no_fast_path, busy_poll=args.busy_poll,
        spot_rate_limit=args.spot_rate_limit, position_mode=args.position_mode,
        spot_post_only_ioc=args.spot_post_only_ioc)
    try:
        _apply_markets(em, args)
    except (ValueError, ArithmeticError) as exc:
        raise CommandError(f"a --mark-price/--spot-price/--*-balance value is not a "
                           f"number ({exc}); pass SYMBOL=PRICE or CUR=AMOUNT") from None
    return em


def startup_lines(em: Emulator, args: argparse.Namespace) -> list[str]:
    """What the emulator prints once it serves: the URLs, the credentials while they
    are the defaults, and a client constructor to paste. The first line is the one
    benchmarks and tests parse."""
    lines = [f"kucoin_fast emulator listening on {em.url}",
             f"kucoin_fast emulator REST on {em.rest_url}",
             f"kucoin_fast emulator push on {em.push_url}",
             f"kucoin_fast emulator spot REST on {em.spot_rest_url}",
             f"kucoin_fast emulator futures REST on {em.futures_rest_url}"]
    demo = (args.api_key, args.api_secret, args.api_passphrase) == \
        (DEMO_API_KEY, DEMO_API_SECRET, DEMO_API_PASSPHRASE)
    if demo:
        lines.append(f"kucoin_fast emulator credentials (the defaults): api_key {DEMO_API_KEY}, "
                     f"api_secret {DEMO_API_SECRET}, api_passphrase {DEMO_API_PASSPHRASE}")
        creds = f"{DEMO_API_KEY!r}, {DEMO_API_SECRET!r}, {DEMO_API_PASSPHRASE!r}"
    else:
        lines.append("kucoin_fast emulator credentials: those of --api-key/--api-secret/"
                     "--api-passphrase (not printed); the line below reads them from "
                     "KUCOIN_API_KEY/KUCOIN_API_SECRET/KUCOIN_API_PASSPHRASE")
        creds = "credentials=Credentials.from_env()"
    insecure = ", allow_insecure_ws=True" if em.url.startswith("ws://") else ""
    tls = "" if insecure else ", ssl_context=<an SSLContext trusting --certfile>"
    lines.append(f"kucoin_fast emulator client: WebsocketAPIClient({creds}, "
                 f"ws_url={em.url!r}, rest_url={em.rest_url!r}{insecure}{tls})")
    return lines


def _listen_error(exc: OSError, args: argparse.Namespace) -> CommandError:
    """The one line for a failed bind, naming the flag of the port when it can."""
    text = str(exc).removeprefix(f"[Errno {exc.errno}] ")
    if exc.errno != errno.EADDRINUSE:
        return CommandError(f"cannot listen on --host {args.host}: {text}; check --host "
                            "and the ports (--port 0 picks free ones)")
    flags = {"--port": args.port, **{"--" + d.replace("_", "-"): p
                                     for d, p in service_ports(args).items()}}
    for flag, port in flags.items():
        if port and f", {port})" in text:
            return CommandError(f"port {port} ({flag}) on {args.host} is already in use "
                                f"(another emulator?): stop what holds it, pass another "
                                f"{flag}, or --port 0 to pick free ports")
    return CommandError(f"cannot listen: {text}; pass other ports, or --port 0 to pick "
                        "free ones")


async def _serve(em: Emulator, args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await em.start()
    except OSError as exc:
        await em.stop()  # whatever did bind
        raise _listen_error(exc, args) from None
    for line in startup_lines(em, args):
        print(line, flush=True)
    try:
        await stop.wait()
    finally:
        await em.stop()


def run(args: argparse.Namespace) -> int:
    """Run the emulator until SIGINT/SIGTERM; return the exit code (a
    :class:`~kucoin_fast._cli.CommandError` for an expected failure)."""
    logging.basicConfig(level=args.log_level,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    em = build_emulator(args)
    if not args.no_uvloop:
        try:
            import uvloop
        except ImportError:
            pass
        else:
            uvloop.run(_serve(em, args))
            return 0
    asyncio.run(_serve(em, args))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kucoin_fast.emulator [emulator] [options]``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "emulator":
        argv = argv[1:]
    parser = Parser(prog="kucoin-fast emulator", description=DESCRIPTION)
    add_arguments(parser)
    return run_command(parser.prog, run, parser.parse_args(argv))
