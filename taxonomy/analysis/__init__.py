"""Coverage analysis: pure functions over networkx and scipy; no I/O, no Django."""
