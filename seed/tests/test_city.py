"""The demo city is reproducible and its hidden truth stays hidden."""

import dataclasses

from jobfriends_seed.city import City, generate
from jobfriends_seed.truth import friends_truth


def test_the_same_seed_gives_the_same_city() -> None:
    assert generate(3, 60) == generate(3, 60)
    assert generate(3, 60) != generate(4, 60)


def test_the_city_has_everything_a_demo_needs() -> None:
    city = generate(1, 200)
    assert len(city.people) == 200
    assert len({p.profession for p in city.people}) >= 20
    assert city.groups and city.events and city.posts and city.connections and city.tribes
    assert all(len(members) <= 30 for members in city.tribes.values())
    assert {p.kind for p in city.posts} >= {"help_request", "tip"}


def test_hidden_communities_are_not_an_observable_field() -> None:
    observable = {f.name for f in dataclasses.fields(City)}
    assert "communities" not in observable
    person_fields = {f.name: f for f in dataclasses.fields(generate(1, 5).people[0])}
    assert person_fields["community"].repr is False


def test_truth_pairs_are_symmetric_and_never_self() -> None:
    truth = friends_truth(generate(2, 300))
    for person, friends in truth.items():
        assert person not in friends
        for friend in friends:
            assert person in truth[friend]
