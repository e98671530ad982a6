"""pytest plugin for suites/ (filled in by the engine)."""
