"""``kucoin-fast <command>``: a small dispatcher over the package's command lines."""
from __future__ import annotations

import sys
from collections.abc import Sequence

from ._cli import Parser, run_command


def version() -> str:
    """The installed distribution's version (the package's ``__version__`` when run
    from a source tree that is not installed)."""
    import importlib.metadata

    try:
        return importlib.metadata.version("kucoin_fast")
    except importlib.metadata.PackageNotFoundError:
        from . import __version__
        return __version__


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kucoin-fast`` console script."""
    parser = Parser(prog="kucoin-fast")
    parser.add_argument("--version", action="version", version=f"kucoin-fast {version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{emulator,probe}")
    from .emulator import cli as emulator_cli

    emu = sub.add_parser("emulator", help="run the local KuCoin WS API gateway emulator",
                         description=emulator_cli.DESCRIPTION)
    emulator_cli.add_arguments(emu)
    emu.set_defaults(run=emulator_cli.run)
    from . import probe

    pr = sub.add_parser("probe", help="measure connect time and round trips to a gateway "
                                      "(places no orders)", description=probe.DESCRIPTION)
    probe.add_arguments(pr)
    pr.set_defaults(run=probe.run)
    args = parser.parse_args(argv)
    return run_command(f"kucoin-fast {args.command}", args.run, args)


if __name__ == "__main__":
    sys.exit(main())
