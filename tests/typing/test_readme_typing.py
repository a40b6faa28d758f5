"""The README's Python snippets and the examples pass ``mypy --strict`` as written."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from kf_shared import PKG_PARENT
from test_params_typing import _mypy

mypy_api = pytest.importorskip("mypy.api")

ROOT = Path(__file__).resolve().parents[2]
SNIPPETS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def test_the_readme_has_snippets() -> None:
    assert len(SNIPPETS) >= 4


@pytest.mark.parametrize("n", range(len(SNIPPETS)))
def test_readme_snippet_type_checks(tmp_path: Path, n: int) -> None:
    out, status = _mypy(tmp_path, SNIPPETS[n])
    assert status == 0, f"README snippet {n + 1}:\n{SNIPPETS[n]}\n{out}"


def test_examples_type_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if "site-packages" not in PKG_PARENT:
        monkeypatch.setenv("MYPYPATH", PKG_PARENT)
    out, err, status = mypy_api.run([*map(str, EXAMPLES), "--strict", "--no-error-summary",
                                     "--cache-dir", str(tmp_path / ".mypy_cache")])
    assert status == 0, out + err
