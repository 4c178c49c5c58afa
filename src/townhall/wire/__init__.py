"""Discord wire shapes: the JSON of townhall objects, and gateway constants."""
