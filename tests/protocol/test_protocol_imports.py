"""The protocol package is the bottom layer: none of its modules imports anything of
kucoin_fast outside ``kucoin_fast._protocol`` (typing-only imports included)."""
from __future__ import annotations

import ast
from pathlib import Path

import kucoin_fast._protocol as protocol

PACKAGE = Path(protocol.__file__).parent


def _outside(name: str) -> bool:
    return name.startswith("kucoin_fast") and not name.startswith("kucoin_fast._protocol")


def _outside_imports(path: Path) -> list[str]:
    """The imports of ``path`` that reach kucoin_fast outside _protocol, sorted."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            name = "." * node.level + (node.module or "")
            if node.level > 1 or (node.level == 0 and _outside(name)):
                out.append((node.lineno, name))
        elif isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names if _outside(alias.name)]
    return [f"{path.name}:{line}: {name}" for line, name in sorted(out)]


def test_protocol_imports_only_itself() -> None:
    modules = sorted(PACKAGE.glob("*.py"))
    assert {m.stem for m in modules} >= {"ops", "codes", "fields", "validate", "specs"}
    assert [line for m in modules for line in _outside_imports(m)] == []


def test_an_upward_import_is_found(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from typing import TYPE_CHECKING\nfrom .fields import SIDES\n"
                      "if TYPE_CHECKING:\n    from .._core.connection import WSAPIResponse\n"
                      "import kucoin_fast.client\n")
    assert _outside_imports(module) == ["m.py:4: .._core.connection",
                                      "m.py:5: kucoin_fast.client"]
