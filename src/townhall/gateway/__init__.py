"""The real-time gateway: Discord gateway v10 over WebSocket."""
