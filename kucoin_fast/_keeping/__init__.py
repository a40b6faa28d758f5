"""Connection keeping: connect on demand, throttle, per-key state, reconnect policy."""
