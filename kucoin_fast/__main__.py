"""``kucoin-fast <command>``: a small dispatcher over the package's command lines."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kucoin-fast`` console script."""
    parser = argparse.ArgumentParser(prog="kucoin-fast")
    sub = parser.add_subparsers(dest="command", required=True)
    emu = sub.add_parser("emulator", help="run the local KuCoin WS API gateway emulator")
    from .emulator import cli as emulator_cli

    emulator_cli.add_arguments(emu)
    emu.set_defaults(run=emulator_cli.run)
    from . import probe

    pr = sub.add_parser("probe", help="measure connect time and round trips to a gateway "
                                      "(places no orders)")
    probe.add_arguments(pr)
    pr.set_defaults(run=probe.run)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
