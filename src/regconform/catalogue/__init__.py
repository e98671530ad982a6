"""The catalogue: the source documents' contracts, the numbered requirements, their lint, and
the derivation of the course contract from its document. Data in, frozen objects out."""
