"""Type stubs for the compiled :mod:`kucoin_fast._encode`."""
from typing import Any

from typing_extensions import disjoint_base

from ._rules import Violation

__pyx_capi__: dict[str, Any]

@disjoint_base
class FrameBuffer:
    def __init__(self, initial_capacity: int = ...) -> None: ...
    def getvalue(self) -> bytes: ...
    @property
    def headroom(self) -> int: ...

@disjoint_base
class OrderTemplate:
    size_field: str
    price_required: bool
    def __init__(self, template: dict[str, Any]) -> None: ...
    def as_order(self, price: Any, size: Any, client_oid: Any) -> dict[str, Any]: ...

def encode_request(buf: FrameBuffer, request_id: int, op: str, args: Any) -> int: ...
def encode_prepared_order(
    buf: FrameBuffer, request_id: int, template: OrderTemplate, price: Any, size: Any,
    client_oid: Any,
) -> int: ...
def encode_ping(buf: FrameBuffer, ping_number: int) -> int: ...
def validate_request(op: str, args: Any) -> Violation | None: ...
