"""Matching's use cases: suggestions, connections, tribes, nudges and the projections they read."""
