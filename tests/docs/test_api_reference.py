"""The API reference: Sphinx builds it from the docstrings with warnings as errors, it
lists every public member of the client, the request methods document what they return
and raise with an example, and ``help(WebsocketAPIClient)`` shows docs only."""
from __future__ import annotations

import inspect
import pydoc
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kucoin_fast import PreparedOrder, WebsocketAPIClient
from kucoin_fast.client import OrderTracking, RequestMethods

DOCS = Path(__file__).resolve().parents[2] / "docs"

#: Methods that talk to KuCoin or open and close connections, besides every public
#: method of the two request mixins.
CLIENT_METHODS = ("connect", "close", "wait_connected", "prepare_order",
                  "request_with_callback")


def _request_methods() -> dict[str, object]:
    methods: dict[str, object] = {
        f"WebsocketAPIClient.{name}": getattr(WebsocketAPIClient, name)
        for name in CLIENT_METHODS}
    for mixin in (RequestMethods, OrderTracking):
        for name, value in vars(mixin).items():
            if not name.startswith("_") and inspect.isfunction(value):
                methods[f"{mixin.__name__}.{name}"] = value
    methods["PreparedOrder.send"] = PreparedOrder.send
    return methods


@pytest.mark.parametrize("name", sorted(_request_methods()))
def test_request_method_docstring_has_returns_raises_and_example(name: str) -> None:
    doc = inspect.getdoc(_request_methods()[name]) or ""
    assert "Returns:" in doc, f"{name}: no Returns section"
    assert "Raises:" in doc, f"{name}: no Raises section"
    assert "Example" in doc or ">>>" in doc or "::" in doc, f"{name}: no example"


def test_request_methods_include_every_op_of_the_node_sdk() -> None:
    names = {key.split(".")[1] for key in _request_methods()}
    expected = {"submit_futures_order", "cancel_futures_order",
                "submit_multiple_futures_orders", "cancel_multiple_futures_orders",
                "submit_new_spot_order", "modify_spot_order", "cancel_spot_order",
                "submit_sync_spot_order", "cancel_sync_spot_order", "submit_margin_order",
                "cancel_margin_order", "reconcile", "order_events", "prepare_spot_order",
                *CLIENT_METHODS}
    assert expected <= names, sorted(expected - names)


def _pydoc_text() -> str:
    return pydoc.render_doc(WebsocketAPIClient, renderer=pydoc.plaintext)


def test_help_shows_no_source_comments() -> None:
    """pydoc shows the comment block above a def without a docstring as its doc."""
    text = _pydoc_text()
    comments = [line for line in text.splitlines()
                if line.lstrip(" |").startswith("#")]
    assert comments == []


def test_help_names_no_private_class() -> None:
    lines = _pydoc_text().splitlines()
    start = lines.index(" |  Method resolution order:")
    mro = []
    for line in lines[start + 1:]:
        if not line.strip(" |"):
            break
        mro.append(line.strip(" |"))
    inherited = [m.group(1) for line in lines
                 if (m := re.search(r"inherited from ([\w.]+):", line))]
    assert len(mro) == len(WebsocketAPIClient.__mro__)
    assert inherited, "the mixins' methods are listed as inherited"
    private = [name for name in mro + inherited
               if any(part.startswith("_") for part in name.split("."))]
    assert private == []


@pytest.fixture(scope="module")
def built_reference(tmp_path_factory: pytest.TempPathFactory) -> str:
    pytest.importorskip("sphinx", reason="the docs tool is not installed (extra: docs)")
    out = tmp_path_factory.mktemp("html")
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-E", "-q", "-b", "html",
         str(DOCS), str(out)],
        capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stderr.strip() == "", run.stderr
    return (out / "api.html").read_text(encoding="utf-8")


def test_docs_build_without_warnings(built_reference: str) -> None:
    assert 'id="kucoin_fast.WebsocketAPIClient"' in built_reference


def test_reference_lists_every_public_member_of_the_client(built_reference: str) -> None:
    public = [name for name in dir(WebsocketAPIClient) if not name.startswith("_")]
    missing = [name for name in public
               if f'id="kucoin_fast.WebsocketAPIClient.{name}"' not in built_reference]
    assert len(public) > 40
    assert missing == []


def test_reference_renders_the_sections(built_reference: str) -> None:
    """napoleon turned the Google-style sections into fields, not plain text."""
    assert "Raises:" not in built_reference
    assert built_reference.count("Raises") >= len(_request_methods())
