"""Pure rules of the product: no I/O, no imports from the other layers."""
