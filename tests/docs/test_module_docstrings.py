"""Every module docstring under kucoin_fast/ says what the module owns in at most eight
lines; explanations and choices live in docs/."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "kucoin_fast"
MAX_LINES = 8

#: A compiled module's docstring: the first triple-quoted string, after comment lines
#: (``# cython:`` / ``# distutils:`` directives) and blank lines only.
_LEADING = re.compile(r'\A(?:[ \t]*(?:#[^\n]*)?\n)*[ \t]*[rRuU]?("""|\'\'\')(.*?)\1', re.DOTALL)


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*")
                  if p.suffix in (".py", ".pyx", ".pxd", ".pyi") and p.is_file())


def _docstring(path: Path) -> str | None:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        return ast.get_docstring(ast.parse(text), clean=True)
    match = _LEADING.match(text)
    return match.group(2).strip() if match else None


def test_modules_found() -> None:
    suffixes = {p.suffix for p in _modules()}
    assert {".py", ".pyx", ".pxd", ".pyi"} <= suffixes


def test_leading_string_is_read() -> None:
    assert _LEADING.match('# cython: x\n"""One.\n\nTwo."""\n').group(2) == "One.\n\nTwo."
    assert _LEADING.match('x = 1\n"""Not a docstring."""\n') is None


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_docstring_at_most_eight_lines(path: Path) -> None:
    doc = _docstring(path)
    lines = len(doc.splitlines()) if doc else 0
    assert lines <= MAX_LINES, (
        f"{path.relative_to(ROOT)}: module docstring has {lines} lines (at most {MAX_LINES});"
        " move explanations and choices to docs/")
