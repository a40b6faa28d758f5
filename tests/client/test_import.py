"""``import kucoin_fast`` stays light: aiohttp (REST lookups and push tokens only) is
loaded on first REST use, not at import."""
from __future__ import annotations

import subprocess
import sys

from kf_shared import PKG_PARENT


def test_import_leaves_aiohttp_unloaded() -> None:
    code = ("import sys, kucoin_fast, kucoin_fast.rest, kucoin_fast.events; "
            "print('aiohttp' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=PKG_PARENT)
    assert out.stdout.strip() == "False", out.stderr
