"""The notifications rules without servers: ids, nearness, fit, preferences, templates."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from jobfriends_shared.errors import Invalid
from notifications.domain.drafts import (
    Draft,
    Place,
    bounding_box,
    distance_km,
    excerpt,
    fits_interests,
    is_near,
    notification_id,
)
from notifications.domain.kinds import CapPeriod, Channel, DigestFrequency, NotificationType
from notifications.domain.preferences import Cap, Preferences, QuietHours
from notifications.domain.templates import GroupState, Notification, RenderContext, render

T = NotificationType
BERLIN = ZoneInfo("Europe/Berlin")
KREUZBERG = (52.4986, 13.4030)
MITTE = (52.5200, 13.4050)
HAMBURG = (53.5511, 9.9937)


def test_the_same_source_and_recipient_always_give_the_same_id() -> None:
    assert notification_id("ev-1", "ana") == notification_id("ev-1", "ana")
    assert notification_id("ev-1", "ana") != notification_id("ev-1", "ben")
    assert notification_id("ev-1", "ana") != notification_id("ev-2", "ana")


def test_reactions_and_comments_are_grouped_per_post_other_types_are_not() -> None:
    reacted = Draft("ana", T.post_reacted, "e1", actor_id="ben", post_id="p1")
    commented = Draft("ana", T.post_commented, "e2", actor_id="ben", post_id="p1")
    mentioned = Draft("ana", T.mentioned, "e3", actor_id="ben", post_id="p1")
    assert reacted.group == "post_reacted:p1"
    assert commented.group == "post_commented:p1"
    assert mentioned.group is None


def test_nobody_is_notified_about_themselves() -> None:
    assert Draft("ana", T.post_reacted, "e", actor_id="ana", post_id="p").self_inflicted
    assert not Draft("ana", T.event_reminder, "e").self_inflicted


def test_excerpts_are_one_line_and_cut_at_a_word() -> None:
    assert excerpt("  hello \n world ") == "hello world"
    cut = excerpt("word " * 100, limit=40)
    assert len(cut) <= 40 and cut.endswith("…") and "  " not in cut
    assert excerpt(None) == ""


def test_distance_between_kreuzberg_and_mitte_is_a_few_kilometres() -> None:
    assert 2 < distance_km(KREUZBERG, MITTE) < 3
    assert 250 < distance_km(KREUZBERG, HAMBURG) < 260


def test_bounding_box_contains_every_point_within_the_radius() -> None:
    lat_min, lat_max, lon_min, lon_max = bounding_box(KREUZBERG, 25)
    assert lat_min < MITTE[0] < lat_max and lon_min < MITTE[1] < lon_max
    assert not (lat_min < HAMBURG[0] < lat_max)


def test_near_uses_coordinates_when_both_have_them_else_the_city() -> None:
    event = Place("Berlin", KREUZBERG)
    assert is_near(event, Place("Somewhere", MITTE), 25)
    assert not is_near(event, Place("Berlin", HAMBURG), 25)
    assert is_near(Place("Berlin"), Place(" berlin "), 25)
    assert not is_near(Place(None), Place(None), 25)


def test_an_event_fits_by_shared_interest_or_profession() -> None:
    assert fits_interests(["UX Research"], [], ["ux-research"], None)
    assert fits_interests([], ["ux-designer"], [], "ux-designer")
    assert not fits_interests(["rust"], ["backend"], ["figma"], "ux-designer")


def test_everything_defaults_to_in_app_plus_digest_and_digests_to_off() -> None:
    prefs = Preferences()
    assert prefs.channel(T.mentioned) == Channel.email_digest
    assert prefs.digest == DigestFrequency.off
    assert set(prefs.all_channels()) == set(NotificationType)


@pytest.mark.parametrize(
    ("start", "end", "now", "quiet"),
    [
        ("22:00", "07:00", time(23, 30), True),
        ("22:00", "07:00", time(6, 59), True),
        ("22:00", "07:00", time(7, 0), False),
        ("22:00", "07:00", time(12, 0), False),
        ("12:00", "14:00", time(13, 0), True),
        ("12:00", "14:00", time(14, 0), False),
    ],
)
def test_quiet_hours_may_wrap_past_midnight(start: str, end: str, now: time, quiet: bool) -> None:
    assert QuietHours(start=start, end=end).contains(now) is quiet


def test_quiet_hours_are_read_in_the_persons_time_zone() -> None:
    prefs = Preferences(quiet_hours=QuietHours(start="22:00", end="07:00"))
    utc_evening = datetime(2026, 1, 12, 21, 30, tzinfo=UTC)  # 22:30 in Berlin
    assert prefs.is_quiet(utc_evening, BERLIN)
    assert not prefs.is_quiet(utc_evening, ZoneInfo("UTC"))


@pytest.mark.parametrize("name", ["Mars/Olympus", "../etc/passwd", "x" * 70, ""])
def test_unknown_time_zones_are_refused(name: str) -> None:
    with pytest.raises(Invalid):
        Preferences(time_zone=name).checked()


def test_quiet_hours_of_no_length_are_refused() -> None:
    with pytest.raises(Invalid):
        Preferences(quiet_hours=QuietHours(start="08:00", end="08:00")).checked()


def test_caps_are_per_type_and_count_in_calendar_windows_of_the_persons_zone() -> None:
    prefs = Preferences(caps={T.mentioned: Cap(max=3, per=CapPeriod.day)})
    assert prefs.limits(T.mentioned) == [(3, CapPeriod.day)]
    assert prefs.limits(T.endorsement_received) == []
    late = datetime(2026, 1, 12, 23, 30, tzinfo=UTC)  # already the 13th in Berlin
    assert CapPeriod.day.window(late, BERLIN) == "2026-01-13"
    assert CapPeriod.hour.window(late, BERLIN) == "2026-01-12T23"
    assert CapPeriod.week.window(late, BERLIN) == "2026-W03"


def test_caps_above_one_hundred_are_refused() -> None:
    with pytest.raises(ValueError, match="less than or equal to 100"):
        Cap(max=101, per=CapPeriod.hour)


def test_switching_digests_on_remembers_when_and_off_forgets() -> None:
    now = datetime(2026, 1, 12, tzinfo=UTC)
    on = Preferences().with_changes(Preferences(digest=DigestFrequency.daily), now)
    assert on.digest_since == now
    later = on.with_changes(Preferences(digest=DigestFrequency.weekly), now + timedelta(days=3))
    assert later.digest_since == now
    off = later.with_changes(Preferences(), now)
    assert off.digest_since is None


def _n(type_: NotificationType, **kwargs: object) -> Notification:
    base: dict[str, object] = {
        "id": "n1",
        "recipient_id": "ana",
        "seq": 1,
        "type": type_,
        "channel": Channel.in_app,
        "created_at": datetime(2026, 1, 12, tzinfo=UTC),
    }
    return Notification(**{**base, **kwargs})  # type: ignore[arg-type]


def _ctx(**kwargs: object) -> RenderContext:
    base: dict[str, object] = {
        "names": {"ben": "Ben", "cara": "Cara"},
        "groups": {},
        "zone": BERLIN,
    }
    return RenderContext(**{**base, **kwargs})  # type: ignore[arg-type]


def test_a_reaction_group_names_the_latest_and_counts_the_others() -> None:
    n = _n(T.post_reacted, group="post_reacted:p1", data={"excerpt": "My talk"})
    state = GroupState(5, ("ben", "cara"), {"emoji": "celebrate"})
    shown = render(n, _ctx(groups={"post_reacted:p1": state}))
    assert shown is not None
    assert shown.title == "Ben and 4 others reacted 🎉 to your post"
    assert shown.body == "My talk"
    assert shown.actor_count == 5 and shown.data["emoji"] == "celebrate"


def test_a_group_of_two_says_one_other_and_a_group_of_one_says_nobody_else() -> None:
    n = _n(T.post_commented, group="g")
    two = render(n, _ctx(groups={"g": GroupState(2, ("ben",), {"excerpt": "Nice"})}))
    one = render(n, _ctx(groups={"g": GroupState(1, ("ben",), {})}))
    assert two is not None and two.title == "Ben and 1 other commented on your post"
    assert two.body == "Nice"
    assert one is not None and one.title == "Ben commented on your post"


def test_a_group_with_nobody_left_is_not_shown() -> None:
    n = _n(T.post_reacted, group="g")
    assert render(n, _ctx(groups={"g": GroupState(0, (), {})})) is None
    assert render(n, _ctx()) is None


def test_every_type_has_a_template_with_a_title() -> None:
    data = {
        "note": "Hi",
        "skill": "figma",
        "title": "UX Night",
        "kind": "meetup",
        "starts_at": "2026-01-20T17:30:00+00:00",
        "lead": "1h",
        "starter": "How was the launch?",
        "group_name": "Designers",
        "city": "Berlin",
        "count": 2,
        "top": ["ben", "cara"],
    }
    for type_ in NotificationType:
        group = "g" if type_ in (T.post_reacted, T.post_commented) else None
        ctx = _ctx(groups={"g": GroupState(1, ("ben",), {"emoji": "like"})})
        shown = render(_n(type_, actor_id="ben", group=group, data=data), ctx)
        assert shown is not None, type_
        assert shown.title and "None" not in shown.title, (type_, shown.title)


def test_event_times_are_shown_in_the_readers_time_zone() -> None:
    n = _n(T.event_reminder, data={"title": "UX Night", "starts_at": "2026-01-20T17:30:00+00:00"})
    shown = render(n, _ctx())
    assert shown is not None and "18:30" in shown.body


def test_blocked_or_deleted_people_are_never_named_and_their_notifications_not_shown() -> None:
    ctx = _ctx(hidden_people=frozenset({"ben"}))
    assert render(_n(T.endorsement_received, actor_id="ben", data={"skill": "x"}), ctx) is None
    shown = render(_n(T.match_suggestions, data={"count": 2, "top": ["ben", "cara"]}), ctx)
    assert shown is not None and "Ben" not in shown.body and "Cara" in shown.body
