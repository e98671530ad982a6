"""Reports of a run: the JSON run record (and, built on it, JUnit, HTML, comparisons)."""
