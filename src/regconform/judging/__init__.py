"""Judging: checks that cite requirement ids, the per-test score keeper, and the run's
per-requirement results."""
