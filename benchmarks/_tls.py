"""The TLS profile's certificates: a throw-away CA made at run time with ``trustme``.

The suite writes the CA and one server certificate (for ``127.0.0.1`` and
``localhost``) into a temporary directory; the gateways serve ``wss://`` with the
certificate (``--certfile``), and every worker trusts the CA (``client_context``), so
certificate and hostname checks stay on, as in production.
"""
from __future__ import annotations

import ssl
from pathlib import Path
from typing import NamedTuple


class TLSFiles(NamedTuple):
    """PEM files of one run: the CA (clients trust it) and the server key + chain."""

    cafile: str
    certfile: str


def make_files(directory: str | Path) -> TLSFiles:
    """A fresh CA and a server certificate for the loopback names, written to ``directory``.

    Raises :class:`RuntimeError` with a one-line reason when ``trustme`` is missing.
    """
    try:
        import trustme
    except ImportError as exc:
        raise RuntimeError("the TLS profile needs trustme (pip install -e '.[bench]')") from exc
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    directory = Path(directory)
    cafile, certfile = directory / "ca.pem", directory / "server.pem"
    ca.cert_pem.write_to_path(str(cafile))
    cert.private_key_and_cert_chain_pem.write_to_path(str(certfile))
    return TLSFiles(str(cafile), str(certfile))


def client_context(cafile: str) -> ssl.SSLContext:
    """What a user's client would use: default verification, trusting only ``cafile``."""
    return ssl.create_default_context(cafile=cafile)


def server_context(certfile: str, keyfile: str | None = None) -> ssl.SSLContext:
    """A server context for ``wss://`` from a PEM with the key and the chain."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certfile, keyfile)
    return ctx
