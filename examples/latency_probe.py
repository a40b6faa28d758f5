"""Latency probe: connect time, round trips, and each round trip split into its legs.

    python examples/latency_probe.py --url wss://wsapi.kucoin.com/v1/private -n 200
    python examples/latency_probe.py --emulator -n 2000      # offline, in-process

The same as ``kucoin-fast probe`` (see :mod:`kucoin_fast.probe` and docs/cli.md):
credentials from ``KUCOIN_API_KEY``/``KUCOIN_API_SECRET``/``KUCOIN_API_PASSPHRASE``; **no
orders** are placed (each round trip cancels a clientOid that does not exist, answered
with 100004).
"""
from __future__ import annotations

import sys

from kucoin_fast.probe import main

if __name__ == "__main__":
    sys.exit(main())
