"""townhall's benchmarks: real `townhall serve` processes on loopback, driven from other processes.

`python -m bench` runs them all and prints a summary; each one also runs alone
(`python -m bench.send`, `bench.history`, `bench.fanout`, `bench.floor`, `bench.two_nodes`,
`bench.idle`). Results go to `bench/results/<name>.json`; docs/performance.md explains them.
"""
