"""The Discord v10-shaped REST API: parse the wire format, call an action, render the result."""
