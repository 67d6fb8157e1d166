"""Matching's rules, free of I/O: requests, tribes, nudges, notes. Ranking is `matching.ranking`."""
