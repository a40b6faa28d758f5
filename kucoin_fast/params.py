"""``TypedDict`` s of the request params (KuCoin's camelCase wire keys)."""
from __future__ import annotations

from ._protocol import rehome
from ._protocol.params import *
from ._protocol.params import __all__

rehome(__name__, globals(), __all__)
