"""JobFriends matching service: explained suggestions, connection requests, tribes, nudges.

- `ranking/` is the pure, in-memory ranker (no I/O): candidate generation over an index by grid
  cell, profession, skill, interest, event, group, hashtag and friends of friends; scoring per
  intent; explanations. Benchmarks call `ranking.rebuild_all` / `ranking.refresh` directly.
- `domain/` holds the other rules (notes, caps, tribe, nudge periods and starters).
- `service/` holds the use cases; `service.live` keeps the ranker's index in memory and in step
  across instances through a journal of index deltas.
- `repository/` holds every query; hot paths read by `_id` only (FerretDB 1.24 answers nothing
  else from an index), and contended writes are inserts under unique `_id`s.
"""
