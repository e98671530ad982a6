"""Hypothesis strategies built from the contracts: valid requests and one-violation variants."""
