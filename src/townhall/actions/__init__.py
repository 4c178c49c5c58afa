"""Use cases: the only code that changes state. Each one checks, writes, then publishes."""
