"""Events between the actions that cause them and the gateway sessions that receive them."""
