"""The import layers: a lower layer never imports an upper one; the emulator imports only
the protocol package and the leaf helpers; ``import kucoin_fast`` leaves aiohttp unloaded."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "kucoin_fast"
#: Layer of each module, bottom up; the leaf helpers import nothing from the package.
LEAVES = {"kucoin_fast._env", "kucoin_fast._cli"}
LAYERS = ("kucoin_fast._protocol", "kucoin_fast._core", "kucoin_fast._keeping",
          "kucoin_fast._recovery", "kucoin_fast")
#: Tools on top of everything: they run the emulator next to the client.
TOOLS = {"kucoin_fast.probe", "kucoin_fast.__main__"}
EMULATOR = "kucoin_fast.emulator"
_CY_IMPORT = re.compile(r"^\s*(?:from\s+(\S+)\s+c?import|c?import\s+(\S+))", re.MULTILINE)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every kucoin_fast module ``path`` imports (any depth: TYPE_CHECKING, functions)."""
    name = _module_name(path)
    package = name if path.stem == "__init__" else name.rpartition(".")[0]
    text = path.read_text(encoding="utf-8")
    found: set[str] = set()
    if path.suffix == ".py" or path.suffix == ".pyi":
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                found.add(base)
                found.update(f"{base}.{a.name}" for a in node.names)
    else:
        for match in _CY_IMPORT.finditer(text):
            found.add(match[1] or match[2])
    return {m for m in found if m == "kucoin_fast" or m.startswith("kucoin_fast.")}


def _is_module(dotted: str) -> bool:
    rel = Path(*dotted.split("."))
    return any((ROOT / rel).with_suffix(s).exists() for s in (".py", ".pyx", ".pxd")) \
        or (ROOT / rel / "__init__.py").exists()


def _layer(dotted: str) -> int:
    for rank, prefix in enumerate(LAYERS):
        if dotted == prefix or dotted.startswith(prefix + "."):
            return rank
    raise AssertionError(dotted)


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*") if p.suffix in (".py", ".pyx", ".pxd", ".pyi"))


def test_the_import_scan_sees_relative_and_cython_imports() -> None:
    assert "kucoin_fast._protocol.errors" in _imports(PACKAGE / "errors.py")
    assert any(m.startswith("kucoin_fast._core.") for m in _imports(PACKAGE / "_core" / "request.pyx"))


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_go_downward(path: Path) -> None:
    name = _module_name(path)
    targets = {m for m in _imports(path) if _is_module(m)} - {name}
    if name in TOOLS:
        return
    if name in LEAVES:
        assert targets == set(), f"{name} is a leaf helper and imports {sorted(targets)}"
        return
    if name.startswith(EMULATOR):
        allowed = [t for t in targets if not t.startswith(EMULATOR)]
        wrong = [t for t in allowed if t not in LEAVES and _layer(t) != 0 and t != "kucoin_fast"]
        assert wrong == [], f"the emulator imports only the protocol package: {name} -> {wrong}"
        return
    own = _layer(name)
    upward = sorted(t for t in targets - LEAVES
                    if not t.startswith(EMULATOR) and _layer(t) > own
                    and not (t == "kucoin_fast" and own == len(LAYERS) - 1))
    assert upward == [], f"{name} (layer {LAYERS[own]}) imports upward: {upward}"
    assert not any(t.startswith(EMULATOR) for t in targets), f"{name} imports the emulator"


def test_import_leaves_aiohttp_unloaded() -> None:
    code = ("import sys, kucoin_fast, kucoin_fast.rest, kucoin_fast.events; "
            "print('aiohttp' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


def test_re_exports_carry_their_public_module() -> None:
    import pickle

    import kucoin_fast.errors
    import kucoin_fast.types

    assert kucoin_fast.errors.ConnectError.__module__ == "kucoin_fast.errors"
    assert kucoin_fast.types.BatchResult.__module__ == "kucoin_fast.types"
    assert kucoin_fast.errors.api_error.__module__ == "kucoin_fast.errors"
    assert str.__module__ == "builtins"  # ``WsKey = str`` is left alone
    err = pickle.loads(pickle.dumps(kucoin_fast.errors.ConfigurationError("bad option")))
    assert type(err) is kucoin_fast.errors.ConfigurationError and str(err) == "bad option"
