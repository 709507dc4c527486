"""Pure dialog code: parsers, message catalogues and the flow engine (no I/O)."""
