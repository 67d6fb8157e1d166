"""Use cases of the notifications service:

- `notifier`: the one door every notification goes through (rules, exactly once, caps), and
  taking notifications back (deleted posts and people, blocks);
- `people` / `content`: which incoming event notifies whom;
- `inbox`: pages, unread counts, marking read, rendering, the stream's reads;
- `preferences`: settings;
- `digests`: the email digest job.

`Services` bundles them as the composition root (`main.wire`) builds them.
"""

from __future__ import annotations

from dataclasses import dataclass

from jobfriends_shared.runtime import Runtime

from notifications.service.content import ContentIntake
from notifications.service.digests import DigestService
from notifications.service.inbox import InboxService
from notifications.service.notifier import Notifier
from notifications.service.people import PeopleIntake
from notifications.service.preferences import PreferencesService
from notifications.settings import NotificationsSettings
from notifications.stream import TOPIC, Hub, WakeConsumer


@dataclass
class Services:
    """Everything the HTTP layer, tests and benchmarks reach through `app.state.services`."""

    runtime: Runtime
    settings: NotificationsSettings
    hub: Hub
    notifier: Notifier
    inbox: InboxService
    preferences: PreferencesService
    digests: DigestService
    people: PeopleIntake
    content: ContentIntake
    wake_consumer: WakeConsumer

    def broadcast_ready(self) -> bool:
        return self.runtime.assigned(TOPIC)
