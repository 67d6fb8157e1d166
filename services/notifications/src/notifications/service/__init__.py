"""Use cases of the notifications service:

- `notifier`: the one door every notification goes through (rules, exactly once, caps), and
  taking notifications back (deleted posts and people, blocks);
- `people` / `content`: which incoming event notifies whom;
- `inbox`: pages, unread counts, marking read, rendering, the stream's reads;
- `preferences`: settings;
- `digests`: the email digest job.
"""
