"""What every ``kucoin-fast`` command shares: one-line errors with exit status 2.

An expected failure (bad option value, missing credentials, port taken, gateway
refusing...) is a :class:`CommandError` whose text says what went wrong and what to
do; :func:`run_command` prints it as one stderr line. Anything else still raises.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import NoReturn

__all__ = ["EXIT_USAGE", "CommandError", "Parser", "run_command"]

#: The exit status of every expected failure (argparse's own for bad options).
EXIT_USAGE = 2


class CommandError(Exception):
    """An expected failure of a command; its text is the one line printed."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (no usage block), exit status 2."""

    def error(self, message: str) -> NoReturn:
        """Print ``prog: message (see prog --help)`` and exit with status 2."""
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def run_command(prog: str, func: Callable[[argparse.Namespace], int],
                args: argparse.Namespace) -> int:
    """``func(args)``; a :class:`CommandError` becomes one stderr line and status 2,
    Ctrl-C a short line and status 130."""
    try:
        return func(args)
    except CommandError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
