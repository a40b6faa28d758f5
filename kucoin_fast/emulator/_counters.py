"""What the emulator has served, shared by the server, its sessions and the fast path."""
from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass
class Counters:
    """What the emulator has done so far (all monotonically increasing except *_active)."""

    connections_total: int = 0
    connections_active: int = 0
    connections_refused: int = 0
    auth_failures: int = 0
    sessions_authenticated: int = 0
    requests: int = 0  # trading requests (futures, spot, margin) on authenticated sessions
    fast_path_requests: int = 0  # of which answered by the compiled fast path
    pings: int = 0
    error_replies: int = 0
    rate_limited: int = 0
    orders_accepted: int = 0
    orders_rejected: int = 0
    cancels_ok: int = 0
    cancels_failed: int = 0
    replies_dropped: int = 0
    replies_duplicated: int = 0
    malformed_sent: int = 0
    idle_closes: int = 0
    fault_closes: int = 0

    def snapshot(self) -> dict[str, int]:
        """A plain dict copy."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


__all__ = ["Counters"]
