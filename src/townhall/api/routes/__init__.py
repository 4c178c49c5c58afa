"""Route modules grouped by resource, mirroring Discord's URL tree."""
