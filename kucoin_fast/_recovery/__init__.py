"""Recovery: reconciliation, signed REST lookups, push streams."""
