"""docs/layout.md's table lists every source file of the package, each once, in the layer
its folder is, and names nothing that does not exist."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "layout.md"
SOURCES = (".py", ".pyx", ".pxd", ".pyi", ".h")
_ROW = re.compile(r"^\|\s*`(kucoin_fast/[^`]+)`\s*\|\s*([\w ]+?)\s*\|", re.MULTILINE)
#: Folder -> the layer name the table gives its files.
LAYER_OF_FOLDER = {"_protocol": "protocol", "_core": "core", "_keeping": "keeping",
                   "_recovery": "recovery", "emulator": "emulator"}


def _rows() -> list[tuple[str, str]]:
    return _ROW.findall(DOC.read_text(encoding="utf-8"))


def _files() -> set[str]:
    return {str(p.relative_to(ROOT)) for p in (ROOT / "kucoin_fast").rglob("*")
            if p.suffix in SOURCES and p.is_file()}


def test_every_source_file_is_listed_once() -> None:
    listed = [path for path, _ in _rows()]
    assert len(listed) == len(set(listed)), "a file is listed twice"
    assert sorted(_files() - set(listed)) == [], "files missing from docs/layout.md"
    assert sorted(set(listed) - _files()) == [], "docs/layout.md lists files that do not exist"


def test_each_file_is_in_its_folders_layer() -> None:
    for path, layer in _rows():
        folder = path.split("/")[1]
        expected = LAYER_OF_FOLDER.get(folder, "public" if folder.endswith((".py", ".pyi"))
                                       else "?")
        if path in ("kucoin_fast/_env.py", "kucoin_fast/_cli.py"):
            expected = "leaf"
        assert layer == expected, f"{path}: layer {layer!r}, its folder says {expected!r}"
