"""kucoin_fast latency benchmark suite: ``python -m benchmarks`` (see benchmarks/README.md)."""
