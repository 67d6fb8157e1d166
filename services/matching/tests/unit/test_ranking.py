"""The ranker on plain data: who is suggested, who never is, and how it is explained."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from matching.ranking import (
    EventInfo,
    Intent,
    MatchIndex,
    Person,
    SocialGraph,
    SuggestionBook,
    rank,
    rebuild_all,
    refresh,
)

NOW = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # a Monday
KREUZBERG = (52.4986, 13.4030)
NEUKOELLN = (52.4811, 13.4350)
SPANDAU = (52.5350, 13.2000)


def person(
    uid: str, profession: str = "ux-designer", at: tuple[float, float] = KREUZBERG, **kw: object
) -> Person:
    fields: dict[str, object] = {
        "display_name": uid.title(),
        "profession": profession,
        "city": "Berlin",
        "neighbourhood": "Kreuzberg" if at == KREUZBERG else None,
        "lat": at[0],
        "lon": at[1],
    }
    fields.update(kw)
    return Person(id=uid, **fields)  # type: ignore[arg-type]


def ids(index: MatchIndex, uid: str, intent: Intent = Intent.job_friends) -> list[str]:
    return [s.user_id for s in rank(index, uid, intent, now=NOW)]


def test_nearby_people_of_the_same_or_adjacent_profession_come_first() -> None:
    index = MatchIndex.build(
        [
            person("ana"),
            person("ben"),
            person("cleo", "ui-designer", NEUKOELLN),
            person("dan", "accountant", SPANDAU),
            person("eli", "ux-designer", SPANDAU),
        ]
    )
    ranked = ids(index, "ana")
    assert ranked[0] == "ben"
    assert set(ranked[1:]) == {"cleo", "eli"}
    assert "dan" not in ranked  # far away, unrelated work, nothing shared


def test_connected_pending_blocked_dismissed_and_unknown_people_are_never_suggested() -> None:
    people = [
        person(u) for u in ("ana", "friend", "asked", "blocker", "blocked", "dismissed", "ok")
    ]
    graph = SocialGraph(
        friends=[("ana", "friend")],
        pending=[("asked", "ana")],
        hidden=[("blocker", "ana"), ("ana", "blocked")],
        dismissed={"ana": ["dismissed"]},
        interactions=[("ana", "ghost")],
    )
    index = MatchIndex.build(people, graph)
    assert ids(index, "ana") == ["ok"]
    # blocks hide both ways
    assert "ana" not in ids(index, "blocker")
    assert "ana" not in ids(index, "blocked")
    # dismissal is one way: the dismissed person may still see ana
    assert "ana" in ids(index, "dismissed")


def test_a_dropped_person_disappears_from_every_list_and_index() -> None:
    index = MatchIndex.build(
        [person("ana"), person("ben")], SocialGraph(groups={"g": ["ana", "ben"]})
    )
    index.drop_person("ben")
    assert ids(index, "ana") == []
    assert "ben" not in index.group_members["g"]


def test_the_sentence_names_profession_place_friends_and_an_upcoming_event() -> None:
    meetup = EventInfo(
        "e1", "DesignHour", NOW + timedelta(days=3, hours=9), "meetup", "Europe/Berlin"
    )
    index = MatchIndex.build(
        [
            person("ana"),
            person("ben"),
            person("cleo", "copywriter", SPANDAU),
            person("dan", "copywriter", SPANDAU),
            person("eve", "copywriter", SPANDAU),
        ],
        SocialGraph(
            friends=[
                ("ana", "cleo"),
                ("ben", "cleo"),
                ("ana", "dan"),
                ("ben", "dan"),
                ("ana", "eve"),
                ("ben", "eve"),
            ],
            events={"e1": meetup},
            rsvps={"e1": ["ana", "ben"]},
        ),
    )
    (best, *_) = rank(index, "ana", now=NOW)
    assert best.user_id == "ben"
    assert best.sentence == (
        "You are both UX designers in Kreuzberg, share 3 friends, "
        "and are both going to Thursday's DesignHour meetup."
    )
    reasons = {r.kind: r.as_dict() for r in best.reasons}
    assert reasons["mutual_friends"]["count"] == 3
    assert reasons["shared_event"]["event_id"] == "e1"
    assert reasons["same_neighbourhood"]["neighbourhood"] == "Kreuzberg"


def test_past_and_cancelled_events_are_not_reasons() -> None:
    past = EventInfo("old", "Retro", NOW - timedelta(days=1))
    cancelled = EventInfo("off", "Gone", NOW + timedelta(days=1), cancelled=True)
    index = MatchIndex.build(
        [person("ana"), person("ben", at=SPANDAU)],
        SocialGraph(
            events={"old": past, "off": cancelled},
            rsvps={"old": ["ana", "ben"], "off": ["ana", "ben"]},
        ),
    )
    (best,) = rank(index, "ana", now=NOW)
    assert "shared_event" not in {r.kind for r in best.reasons}


def test_collaborators_are_open_to_it_and_bring_complementary_skills() -> None:
    index = MatchIndex.build(
        [
            person("ana", skills=frozenset({"figma"})),
            person(
                "writer",
                "copywriter",
                open_to=frozenset({"collaborating"}),
                skills=frozenset({"storytelling"}),
            ),
            person("closed", "copywriter"),
            person("designer", open_to=frozenset({"collaborating"}), skills=frozenset({"figma"})),
        ]
    )
    ranked = rank(index, "ana", Intent.collaborators, now=NOW)
    assert ranked[0].user_id == "writer"
    assert "closed" not in [s.user_id for s in ranked]
    assert ranked[0].sentence.startswith("Writer is a copywriter open to collaborating")
    assert "complementary_skills" in {r.kind for r in ranked[0].reasons}


def test_mentors_are_more_senior_in_the_same_field_and_both_sides_opted_in() -> None:
    junior = person("jun", seniority=1, open_to=frozenset({"being_mentored"}))
    index = MatchIndex.build(
        [
            junior,
            person("lead", seniority=4, open_to=frozenset({"mentoring"})),
            person("peer", seniority=2, open_to=frozenset({"mentoring"})),
            person("unwilling", seniority=5),
            person("other-field", "accountant", seniority=5, open_to=frozenset({"mentoring"})),
        ]
    )
    assert ids(index, "jun", Intent.mentors) == ["lead"]
    assert ids(index, "lead", Intent.mentees) == ["jun"]
    (best,) = rank(index, "jun", Intent.mentors, now=NOW)
    assert best.sentence.startswith("Lead is a lead UX designer open to mentoring")
    # Without opting in, nobody is shown as a mentor.
    index.put_person(person("jun", seniority=1))
    assert ids(index, "jun", Intent.mentors) == []


def test_groups_hashtags_and_skills_are_explained() -> None:
    index = MatchIndex.build(
        [
            person("ana", skills=frozenset({"figma", "user-research"})),
            person("ben", at=SPANDAU, skills=frozenset({"user-research"})),
        ],
        SocialGraph(
            groups={"g1": ["ana", "ben"]},
            group_names={"g1": "Berlin UX"},
            hashtags={"a11y": ["ana", "ben"]},
        ),
    )
    (best,) = rank(index, "ana", now=NOW)
    kinds = {r.kind: r.as_dict() for r in best.reasons}
    assert kinds["shared_groups"]["groups"] == [{"group_id": "g1", "name": "Berlin UX"}]
    assert kinds["shared_hashtags"]["hashtags"] == ["a11y"]
    assert kinds["shared_skills"]["skills"] == ["user-research"]
    assert "are both in the Berlin UX group" in best.sentence


def test_friends_of_friends_and_event_goers_are_found_across_the_city() -> None:
    people = [person("ana")] + [person(f"far{i}", "chef", SPANDAU) for i in range(3)]
    meetup = EventInfo("e1", "Cook-off", NOW + timedelta(days=10))
    graph = SocialGraph(
        friends=[("ana", "far0"), ("far0", "far1")],
        events={"e1": meetup},
        rsvps={"e1": ["ana", "far2"]},
    )
    index = MatchIndex.build(people, graph)
    assert set(ids(index, "ana")) == {"far1", "far2"}


def test_a_list_is_not_all_one_profession_when_others_score_almost_as_well() -> None:
    # UI designers share a skill with Ana, so they score a little below UX designers.
    people = [person("ana", skills=frozenset({"figma"}))]
    people += [person(f"ux{i}", at=(52.4986 + i * 0.0001, 13.4030)) for i in range(10)]
    people += [
        person(
            f"ui{i}", "ui-designer", at=(52.4986 + i * 0.0001, 13.4030), skills=frozenset({"figma"})
        )
        for i in range(10)
    ]
    index = MatchIndex.build(people)
    ranked = rank(index, "ana", now=NOW, context=None) if False else rank(index, "ana", now=NOW)
    top10 = [s.user_id for s in ranked[:10]]
    assert any(u.startswith("ui") for u in top10)
    assert top10[0].startswith("ux")


def test_ranking_is_deterministic_and_workers_agree() -> None:
    people = [
        person(
            f"p{i}",
            ("ux-designer", "ui-designer", "copywriter")[i % 3],
            at=(52.49 + (i % 7) * 0.004, 13.40 + (i % 5) * 0.006),
            skills=frozenset({f"s{i % 4}", "figma"}),
        )
        for i in range(60)
    ]
    graph = SocialGraph(friends=[(f"p{i}", f"p{(i * 7) % 60}") for i in range(60)])
    one = rebuild_all(people, graph, now=NOW, limit=5)
    two = rebuild_all(people, graph, now=NOW, limit=5, workers=2)
    assert {u: [s.user_id for s in v] for u, v in one.items()} == {
        u: [s.user_id for s in v] for u, v in two.items()
    }
    assert len(one) == 60 and all(len(v) == 5 for v in one.values())


def test_rebuild_can_stream_to_a_sink_without_keeping_results() -> None:
    seen: dict[str, int] = {}
    out = rebuild_all(
        [person("a"), person("b")], now=NOW, sink=lambda u, s: seen.__setitem__(u, len(s))
    )
    assert out == {} and seen == {"a": 1, "b": 1}


def test_incremental_refresh_updates_exactly_the_lists_a_change_touches() -> None:
    people = [
        person("ana"),
        person("ben"),
        person("cleo", "chef", SPANDAU),
        person("dan", "chef", SPANDAU),
    ]
    index = MatchIndex.build(people)
    book = SuggestionBook()
    for uid in index.people:
        book.put(uid, rank(index, uid, now=NOW))
    assert book.lists["cleo"][0].user_id == "dan"
    # Ana moves to Spandau and becomes a chef: Cleo's and Dan's lists now start with her.
    index.put_person(person("ana", "chef", SPANDAU))
    updated = refresh(index, book, ["ana"], now=NOW)
    assert "ana" in updated
    assert book.lists["ana"][0].user_id in {"cleo", "dan"}
    assert "ana" in [s.user_id for s in book.lists["cleo"]][:2]
    assert "ana" in book.listed_by


@pytest.mark.parametrize("intent", list(Intent))
def test_unknown_people_get_no_suggestions(intent: Intent) -> None:
    assert rank(MatchIndex(), "nobody", intent, now=NOW) == []


def test_a_neighbour_is_found_where_they_live_now_not_where_they_lived() -> None:
    index = MatchIndex.build([person("ana"), person("dan", "accountant", KREUZBERG)])
    assert "dan" in ids(index, "ana")  # next door, nothing else shared
    index.put_person(person("dan", "accountant", SPANDAU))
    assert "dan" not in ids(index, "ana")
    index.put_person(person("eli", "accountant", SPANDAU))
    index.put_person(person("dan", "accountant", KREUZBERG))  # back again
    assert ids(index, "ana") == ["dan"]
    index.drop_person("dan")
    assert ids(index, "ana") == []
