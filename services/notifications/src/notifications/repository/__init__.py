"""Every query the notifications service makes, split by concern:

- `inbox`: notifications, contributors of grouped ones, read state;
- `projections`: what we keep of other services' data (people, blocks, tribes, groups,
  RSVPs, posts);
- `accounts`: per-person settings and digest records.
"""

from notifications.repository.accounts import AccountRepository
from notifications.repository.inbox import InboxRepository
from notifications.repository.projections import ProjectionRepository

__all__ = ["AccountRepository", "InboxRepository", "ProjectionRepository"]
