"""The request path depends downward only, and the request coroutine reaches the
connection through the entry points its .pxd declares."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import kucoin_fast

PACKAGE = Path(kucoin_fast.__file__).parent
# What each layer may not import (a layer imports only the ones below it).
ABOVE = {"_core": ("_keeping", "_recovery", "client"), "_keeping": ("_recovery", "client")}
_IMPORT = re.compile(r"^\s*(?:from\s+(\S+)\s+c?import|c?import\s+(\S+))", re.MULTILINE)


def _imported(path: Path) -> list[str]:
    """The modules ``path`` imports, as absolute names."""
    package = ".".join(path.relative_to(PACKAGE.parent).parent.parts)
    names = []
    for match in _IMPORT.finditer(path.read_text()):
        name = match.group(1) or match.group(2)
        if name.startswith("."):
            dots = len(name) - len(name.lstrip("."))
            base = package.rsplit(".", dots - 1)[0] if dots > 1 else package
            name = f"{base}.{name.lstrip('.')}".rstrip(".")
        names.append(name)
    return names


def test_the_core_and_the_keeping_layer_import_only_downward() -> None:
    offences = []
    for layer, above in ABOVE.items():
        for path in sorted((PACKAGE / layer).glob("*.py*")) + sorted(
                (PACKAGE / layer).glob("*.pxd")):
            for name in _imported(path):
                if any(name == f"kucoin_fast.{up}" or name.startswith(f"kucoin_fast.{up}.")
                       for up in above):
                    offences.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offences == []


def test_the_import_scan_sees_relative_imports() -> None:
    # The scan above must resolve the core's own relative imports (else it proves nothing).
    names = _imported(PACKAGE / "_core" / "build.py")
    assert "kucoin_fast._env" in names and "kucoin_fast._core" in names


def test_the_request_coroutine_uses_only_public_connection_members() -> None:
    source = (PACKAGE / "_core" / "request.pyx").read_text()
    used = set(re.findall(r"(?:\bconn|self\._conn|<Connection>found\))\.(\w+)", source))
    assert {"start_request", "abandon_request"} <= used
    assert sorted(name for name in used if name.startswith("_")) == []
    pxd = (PACKAGE / "_core" / "connection_c.pxd").read_text()
    for name in ("start_request", "abandon_request"):
        assert re.search(rf"cdef \w+ {name}\(", pxd), name


def test_the_python_connection_runs_without_cython_installed() -> None:
    # Cython is a build requirement only: the pure-Python build must import without it
    # and build its connection from the Python scanner, encoder and writer.
    code = ("import sys; sys.modules['cython'] = None; "
            "from kucoin_fast._core import connection, encode_py, parse_py, writer_py; "
            "assert connection.FrameBuffer is encode_py.FrameBuffer; "
            "assert connection.Writer is writer_py.Writer; "
            "assert connection.ReplyScan is parse_py.ReplyScan; "
            "assert connection.cython.compiled is False")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
