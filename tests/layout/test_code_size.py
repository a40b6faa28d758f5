"""Size limits: no class over 400 lines and no function over 60 lines in ``kucoin_fast/``
(Python and Cython sources) and ``benchmarks/``, first to last line."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("kucoin_fast", "benchmarks")
CLASS_LIMIT, FUNCTION_LIMIT = 400, 60
LIMITS = {ast.ClassDef: CLASS_LIMIT, ast.FunctionDef: FUNCTION_LIMIT,
          ast.AsyncFunctionDef: FUNCTION_LIMIT}
#: A Cython definition: its keyword, name and indentation (``cdef class``, ``def``, ``cdef
#: inline int f(...)``, ``cpdef``, ``async def``); ``cdef`` declarations without a body
#: (attributes, ``cdef extern``) end at their line.
_CY_DEF = re.compile(r"^(?P<indent>[ \t]*)(?:(?P<cls>cdef class|class)\s+(?P<cname>\w+)"
                     r"|(?:async def|def|cpdef|cdef)\b[^=(]*?(?P<fname>\w+)\s*\()")


def _sizes_python(path: Path) -> list[tuple[int, str, int, int]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        limit = LIMITS.get(type(node))
        if limit is not None:
            size = (node.end_lineno or node.lineno) - node.lineno + 1
            found.append((node.lineno, getattr(node, "name", "?"), size, limit))
    return found


def _sizes_cython(path: Path) -> list[tuple[int, str, int, int]]:
    """A definition spans from its line to the last non-blank line indented deeper."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    for start, line in enumerate(lines):
        match = _CY_DEF.match(line)
        if match is None or not line.rstrip().endswith(":"):
            continue
        indent, end = len(match["indent"].expandtabs()), start
        for k in range(start + 1, len(lines)):
            text = lines[k]
            if text.strip() and len(text) - len(text.lstrip()) <= indent:
                break
            if text.strip():
                end = k
        name = match["cname"] or match["fname"]
        limit = CLASS_LIMIT if match["cls"] else FUNCTION_LIMIT
        found.append((start + 1, name, end - start + 1, limit))
    return found


def _oversized() -> list[str]:
    found = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix == ".py":
                sizes = _sizes_python(path)
            elif path.suffix == ".pyx":
                sizes = _sizes_cython(path)
            else:
                continue
            found += [f"{path.relative_to(ROOT)}:{line} {name} is {size} lines (limit {limit})"
                      for line, name, size, limit in sizes if size > limit]
    return found


def test_cython_sizes_are_measured() -> None:
    sample = ("cdef class A:\n    cdef int x\n\n    def f(self):\n        return 1\n\n"
              "cdef inline int g(int y) noexcept:\n    return y\nx = 1\n")
    path = ROOT / "build" / "_size_sample.pyx"
    path.parent.mkdir(exist_ok=True)
    path.write_text(sample)
    try:
        assert [(n, s) for _, n, s, _ in _sizes_cython(path)] == [("A", 5), ("f", 2), ("g", 2)]
    finally:
        path.unlink()


def test_no_oversized_class_or_function() -> None:
    if not (ROOT / "benchmarks").exists():
        pytest.skip("benchmarks/ not in this checkout")
    assert _oversized() == []
