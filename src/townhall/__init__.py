"""townhall: a self-hosted community chat server with a Discord v10-shaped API."""

__version__ = "0.1.0"
