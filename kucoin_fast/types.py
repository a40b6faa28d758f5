"""The result and value types: replies, batch items, order states, outcomes, credentials."""
from __future__ import annotations

from ._protocol import rehome
from ._protocol.results import *
from ._protocol.results import __all__

rehome(__name__, globals(), __all__)
