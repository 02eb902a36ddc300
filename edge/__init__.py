"""Tailor's edge: the Python glue that runs inside Pyodide and the `tailor edge` launcher."""
