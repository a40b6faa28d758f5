"""The servers the suite measures clients against, each run as its own process.

* ``emulator``: the project's gateway emulator, ``python -m kucoin_fast.emulator``
  (picows server, compiled fast path), rate limit off.
* ``plain``: :mod:`benchmarks.gateways.plain`, an independent plain-Python gateway
  (asyncio ``Protocol``, stdlib ``json``, hand-rolled RFC 6455), so no result rests on
  one server's quirks.

Both take ``--host/--port/--api-key/--api-secret/--api-passphrase`` and ``--certfile``
(``wss://``), and print a ``listening on ws[s]://...`` line that :class:`GatewayProcess`
waits for.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path

from .._kucoin import Credentials

GATEWAYS: tuple[str, ...] = ("emulator", "plain")
ROOT = Path(__file__).resolve().parents[2]
_URL_RE = re.compile(r"(wss?://\S+)")


def command(kind: str, creds: Credentials, *, certfile: str | None = None,
            extra_args: Sequence[str] = (), emulator_cmd: Sequence[str] | None = None) -> list[str]:
    """The command line that serves gateway ``kind`` on a free loopback port.

    ``extra_args`` and ``emulator_cmd`` (another emulator build with the same CLI) apply
    to the emulator only."""
    if kind == "emulator":
        base = list(emulator_cmd or [sys.executable, "-m", "kucoin_fast.emulator"])
        cmd = [*base, "--no-rate-limit", *extra_args]
    elif kind == "plain":
        cmd = [sys.executable, "-m", "benchmarks.gateways.plain"]
    else:
        raise ValueError(f"unknown gateway {kind!r}; known: {', '.join(GATEWAYS)}")
    cmd += ["--host", "127.0.0.1", "--port", "0", "--api-key", creds.api_key,
            "--api-secret", creds.api_secret, "--api-passphrase", creds.passphrase]
    return cmd + (["--certfile", certfile] if certfile else [])


class GatewayProcess:
    """A gateway in its own process, optionally pinned to a core; ``url`` once it serves."""

    def __init__(self, cmd: list[str], core: int | None = None, name: str = "gateway") -> None:
        self.name = name
        pin = [] if core is None else ["taskset", "-c", str(core)]
        self.proc = subprocess.Popen([*pin, *cmd], cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.output: deque[str] = deque(maxlen=50)
        self.url = self._wait_for_url(timeout=30.0)
        threading.Thread(target=self._drain, daemon=True).start()

    def _wait_for_url(self, timeout: float) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.output.append(line.rstrip())
            if "listening" in line and (m := _URL_RE.search(line)):
                return m.group(1)
        self.stop()
        raise RuntimeError(f"the {self.name} did not print its URL:\n" + "\n".join(self.output))

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line.rstrip())

    def pin(self, core: int) -> None:
        """Move every thread of the gateway to ``core``."""
        for tid in os.listdir(f"/proc/{self.proc.pid}/task"):
            os.sched_setaffinity(int(tid), {core})

    def cpu_seconds(self) -> float:
        """User + system CPU the gateway process has used so far."""
        with open(f"/proc/{self.proc.pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mib(self) -> float:
        """Resident memory of the gateway process, MiB."""
        with open(f"/proc/{self.proc.pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def check_alive(self) -> None:
        """Raise :class:`RuntimeError` (with its last output) if the gateway has exited."""
        if self.proc.poll() is not None:
            raise RuntimeError(f"the {self.name} exited:\n" + "\n".join(self.output))

    def stop(self) -> None:
        """Terminate the gateway process."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


__all__ = ["GATEWAYS", "GatewayProcess", "command"]
