"""Numbers the scorer and its batch path (`matching.ranking.batch`) both read, kept apart so
that the scorer can call the batch path without the two importing each other."""

from __future__ import annotations

import math

KM_PER_DEGREE = 111.2
# log2(1 + m) for the counts of shared things a score takes the logarithm of
LOG2P1 = tuple(math.log2(1 + m) for m in range(256))
