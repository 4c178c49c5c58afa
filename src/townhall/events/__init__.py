"""Events: each declared once (catalog), encoded once (event), carried as bytes (codec)."""
