"""The documentation's text: no issue numbers or history notes, and every test that
``docs/failure-scenarios.md`` names exists."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Scanned files: all of docs/ and these. The rest of kucoin_fast/ and tests/ is not
#: scanned yet (it still has such notes).
FILES = ("tests/reliability/README.md", "kucoin_fast/client.py", "kucoin_fast/__init__.py",
         "tests/docs/test_api_reference.py", "tests/docs/test_docs_text.py")

#: Written so that the patterns do not match their own source.
FORBIDDEN = {
    "issue number": re.compile(r"\bissues?[-\s]+#?\d+", re.IGNORECASE),
    "issue reference": re.compile(r"(?<![\w&/])#\d+\b"),
    "history note": re.compile(r"\bused\s+to\b|\bpre-?issue\b", re.IGNORECASE),
    "draft note": re.compile(r"\bdraft\s+sections?\b", re.IGNORECASE),
}


def _scanned() -> list[Path]:
    docs = [p for p in sorted((ROOT / "docs").rglob("*"))
            if p.is_file() and "_build" not in p.parts and p.suffix in (".md", ".rst", ".py")]
    return docs + [ROOT / name for name in FILES]


def test_scanned_files_exist() -> None:
    names = {p.name for p in _scanned()}
    assert {"failure-scenarios.md", "reliability.md", "api.rst", "client.py"} <= names


@pytest.mark.parametrize("path", _scanned(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_issue_numbers_or_history(path: Path) -> None:
    hits = [f"{path.relative_to(ROOT)}:{n}: {what}: {line.strip()}"
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            for what, pattern in FORBIDDEN.items() if pattern.search(line)]
    assert hits == []


def test_forbidden_patterns_catch_what_they_are_for() -> None:
    # Each sample is split in two so that this file passes its own scan.
    samples = {"issue number": ("the rest of iss", "ue 5"), "issue reference": ("see #", "12"),
               "history note": ("the pre-iss", "ue-5 behaviour"),
               "draft note": ("Draft sec", "tions for the README")}
    for what, parts in samples.items():
        assert FORBIDDEN[what].search("".join(parts)), what
    assert FORBIDDEN["history note"].search("it used" + " to wait")
    assert not any(p.search("a 64-bit id; §5.4; color &#160;") for p in FORBIDDEN.values())


def test_failure_scenarios_name_existing_tests() -> None:
    """Every ``file.py::test_name`` of the scenario table is a test in that file."""
    text = (ROOT / "docs" / "failure-scenarios.md").read_text(encoding="utf-8")
    folders = {"R/": "tests/reliability/", "C/": "tests/client/", "E/": "tests/emulator/"}
    rows = [line for line in text.splitlines() if re.match(r"\| \d+ \|", line)]
    assert [int(line.split("|")[1]) for line in rows] == list(range(1, len(rows) + 1))
    missing, named = [], 0
    for row in rows:
        current = None
        for file, test in re.findall(r"`([RCE]/[\w/]+\.py)?(?:::(\w+))?", row):
            if file:
                current = ROOT / (folders[file[:2]] + file[2:])
                if not current.is_file():
                    missing.append(str(current))
            if test and current is not None:
                named += 1
                if not re.search(rf"\bdef {test}\b", current.read_text(encoding="utf-8")):
                    missing.append(f"{current.name}::{test}")
    assert named > 60
    assert missing == []
