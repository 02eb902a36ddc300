"""Build scripts: the core wheel, the pure-Python msgpack wheel and the edge artifact."""
