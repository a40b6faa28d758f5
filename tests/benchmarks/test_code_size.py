"""Size limits of the benchmark suite's code: no class over 400 lines, no
function over 60 lines in ``benchmarks/``. Measured with ``ast`` (first to last line,
docstring and comments included)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "benchmarks"
LIMITS = {ast.ClassDef: 400, ast.FunctionDef: 60, ast.AsyncFunctionDef: 60}


def _oversized() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            limit = LIMITS.get(type(node))
            if limit is not None:
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size > limit:
                    name = getattr(node, "name", "?")
                    found.append(f"{path.relative_to(ROOT.parent)}:{node.lineno} {name} is "
                                 f"{size} lines (limit {limit})")
    return found


def test_no_oversized_class_or_function() -> None:
    if not ROOT.exists():
        pytest.skip("benchmarks/ not in this checkout")
    assert _oversized() == []
