"""The exception hierarchy: everything the client raises derives from ``KucoinError``."""
from __future__ import annotations

from ._protocol import rehome
from ._protocol.errors import *
from ._protocol.errors import __all__

rehome(__name__, globals(), __all__)
