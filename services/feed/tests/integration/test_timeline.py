"""The home timeline: who gets what, in which order, hybrid fan-out, upkeep."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from feed.repository.timeline import entry
from jobfriends_shared.contracts.identity import UserBlocked
from jobfriends_shared.contracts.matching import ConnectionRemoved, pair_id

from .conftest import Feed


async def test_home_has_connections_followed_people_hashtags_and_groups_newest_first(
    feed: Feed,
) -> None:
    me = await feed.person("Me")
    friend, idol, tagger, member, stranger = [await feed.person(n) for n in "FITMS"]
    await feed.connect(me, friend)
    await feed.ok("PUT", f"/v1/users/{idol}/follow", me)
    await feed.ok("PUT", "/v1/hashtags/TeachChat/follow", me)
    group = await feed.ok("POST", "/v1/groups", member, json={"name": "Teachers"})
    await feed.ok("PUT", f"/v1/groups/{group['id']}/membership", me)

    from_friend = await feed.post(friend, "connections only", visibility="connections")
    from_idol = await feed.post(idol, "public thoughts")
    from_tag = await feed.post(tagger, "join #teachchat tonight")
    in_group = await feed.post(member, "group news", visibility="group", group_id=group["id"])
    mine = await feed.post(me, "my own update")
    await feed.post(stranger, "nobody follows me")
    await feed.post(idol, "for my connections only", visibility="connections")

    assert await feed.home(me) == [mine, in_group, from_tag, from_idol, from_friend]


async def test_pages_of_the_home_timeline_neither_repeat_nor_skip(feed: Feed) -> None:
    me, friend = await feed.person("Me"), await feed.person("Friend")
    await feed.connect(me, friend)
    posts = [await feed.post(friend, f"post {i}") for i in range(7)]
    assert await feed.all_pages(me, "/v1/feed", limit=2) == posts[::-1]


async def test_tribe_help_requests_and_milestones_lead_the_first_page(feed: Feed) -> None:
    me, close, other = await feed.person("Me"), await feed.person("Close"), await feed.person("O")
    for friend in (close, other):
        await feed.connect(me, friend)
    await feed.add_to_tribe(me, close)
    help_post = await feed.post(close, "I got laid off, any leads?", kind="help_request")
    stranger_help = await feed.post(other, "help me too", kind="help_request")
    newer = [await feed.post(other, f"news {i}") for i in range(4)]

    first = await feed.ok("GET", "/v1/feed", me, params={"limit": 3})
    assert [p["id"] for p in first["items"]] == [help_post, newer[3], newer[2]]
    rest = await feed.all_pages(me, "/v1/feed", limit=3)
    assert rest == [help_post, newer[3], newer[2], newer[1], newer[0], stranger_help]

    feed.clock.advance(timedelta(hours=feed.settings.tribe_window_hours + 1))
    assert (await feed.home(me, limit=1)) == [newer[3]]  # no longer recent: normal order


async def test_deleting_a_post_removes_it_from_every_timeline(feed: Feed) -> None:
    author = await feed.person("A")
    followers = [await feed.person(f"F{i}") for i in range(5)]
    for f in followers:
        await feed.ok("PUT", f"/v1/users/{author}/follow", f)
    post_id = await feed.post(author, "oops")
    tl = feed.service.repo.timeline
    assert all([await tl.has_entry(f, post_id) for f in followers])
    await feed.ok("DELETE", f"/v1/posts/{post_id}", author)
    assert not any([await tl.has_entry(f, post_id) for f in [*followers, author]])
    assert sum([await c.count_documents({"post_id": post_id}) for c in tl.shards]) == 0


async def test_repeated_fan_out_never_doubles_entries(feed: Feed) -> None:
    author = await feed.person("A")
    followers = [await feed.person(f"F{i}") for i in range(4)]
    for f in followers:
        await feed.ok("PUT", f"/v1/users/{author}/follow", f)
    post_id = await feed.post(author, "once")
    again = await feed.service.fanout.fan_out(post_id)
    assert again.audience == 5 and again.delivered == 0
    tl = feed.service.repo.timeline
    assert sum([await c.count_documents({"post_id": post_id}) for c in tl.shards]) == 5
    assert await feed.home(followers[0]) == [post_id]


async def test_bulk_fan_out_writes_every_entry_once(feed: Feed) -> None:
    """The fan-out the benchmark measures: one unordered bulk insert per shard."""
    tl = feed.service.repo.timeline
    post = {"_id": "p1", "author_id": "a", "kind": "update", "rank": "000000000000001:p1"}
    users = [f"u{i}" for i in range(1500)]
    assert await tl.insert_entries(post, users) == 1500
    assert await tl.insert_entries(post, [*users, "u-new"]) == 1
    total = sum([await c.count_documents({}) for c in tl.shards])
    assert total == 1501
    assert await tl.shard("u7").find_one({"_id": "u7:p1"}) == entry("u7", post)


async def test_large_audiences_are_merged_on_read_instead_of_fanned_out(feed: Feed) -> None:
    feed.settings.fanout_threshold = 2
    star = await feed.person("Star")
    fans = [await feed.person(f"Fan{i}") for i in range(3)]
    for f in fans:
        await feed.ok("PUT", f"/v1/users/{star}/follow", f)
    small = await feed.person("Small")
    await feed.ok("PUT", f"/v1/users/{small}/follow", fans[0])

    early = await feed.post(small, "from a small account")
    big_post = await feed.post(star, "hello everyone")
    result = await feed.service.fanout.fan_out(big_post)
    assert result.pulled == (f"author:{star}",)
    assert not await feed.service.repo.timeline.has_entry(fans[0], big_post)
    late = await feed.post(small, "later")

    assert await feed.home(fans[0]) == [late, big_post, early]
    assert await feed.all_pages(fans[0], "/v1/feed", limit=1) == [late, big_post, early]
    assert await feed.home(fans[1]) == [big_post]
    assert await feed.home(star) == [big_post]  # the author's own timeline still gets it
    outsider = await feed.person("Out")
    assert await feed.home(outsider) == []


async def test_unfollowing_hides_at_once_and_following_brings_recent_posts(feed: Feed) -> None:
    me, idol = await feed.person("Me"), await feed.person("Idol")
    older = await feed.post(idol, "before you followed")
    await feed.ok("PUT", f"/v1/users/{idol}/follow", me)
    assert await feed.home(me) == [older]
    newer = await feed.post(idol, "after")
    assert await feed.home(me) == [newer, older]
    await feed.ok("DELETE", f"/v1/users/{idol}/follow", me)
    assert await feed.home(me) == []


async def test_a_removed_connection_takes_connections_posts_away(feed: Feed) -> None:
    me, friend = await feed.person("Me"), await feed.person("Friend")
    await feed.connect(me, friend)
    await feed.post(friend, "just for friends", visibility="connections")
    assert len(await feed.home(me)) == 1
    await feed.deliver(
        ConnectionRemoved(pair_id=pair_id(me, friend), from_user_id=me, to_user_id=friend)
    )
    assert await feed.home(me) == []


async def test_blocked_people_vanish_from_each_others_timelines(feed: Feed) -> None:
    me, friend, idol = await feed.person("Me"), await feed.person("F"), await feed.person("I")
    await feed.connect(me, friend)
    await feed.ok("PUT", f"/v1/users/{idol}/follow", me)
    await feed.post(friend, "from friend")
    await feed.post(idol, "from idol")
    await feed.post(me, "from me")
    assert len(await feed.home(me)) == 3
    await feed.deliver(UserBlocked(blocker_id=idol, blocked_id=me))
    await feed.deliver(UserBlocked(blocker_id=me, blocked_id=friend))
    assert len(await feed.home(me)) == 1
    assert await feed.home(friend) == [await _first(feed, friend)]
    assert (await feed.service.repo.social.follow_edge(me, idol) or {}).get("active") is False
    refollow = await feed.call("PUT", f"/v1/users/{idol}/follow", me)
    assert refollow.status_code == 404


async def _first(feed: Feed, user: str) -> str:
    page = await feed.ok("GET", f"/v1/users/{user}/posts", user)
    return str(page["items"][0]["id"])


async def test_timelines_are_trimmed_to_the_newest_entries(feed: Feed) -> None:
    feed.settings.timeline_cap = 20
    me, friend = await feed.person("Me"), await feed.person("Friend")
    await feed.connect(me, friend)
    posts = [await feed.post(friend, f"p{i}") for i in range(25)]
    removed = await feed.app.state.runtime.run_job("trim_timelines")
    assert removed == 10  # 5 from each of the two timelines (me and the author)
    assert await feed.all_pages(me, "/v1/feed", limit=20) == posts[::-1][:20]
    assert await feed.app.state.runtime.run_job("trim_timelines") == 0


async def test_a_fan_out_left_undone_is_done_by_the_repair_job(feed: Feed) -> None:
    me, friend = await feed.person("Me"), await feed.person("Friend")
    await feed.connect(me, friend)
    post_id = await feed.post(friend, "its post.created kept failing")
    tl = feed.service.repo.timeline
    await tl.remove_post(post_id)  # as if its event had gone to the dead-letter topic
    await tl.forget_fanouts([post_id])
    assert await feed.app.state.runtime.run_job("repair_fanouts") == 0  # too recent to judge
    feed.clock.advance(timedelta(seconds=feed.settings.repair_grace_seconds + 1))
    assert await feed.app.state.runtime.run_job("repair_fanouts") == 1
    assert await feed.home(me) == [post_id]
    assert await feed.app.state.runtime.run_job("repair_fanouts") == 0


async def test_big_groups_and_hashtags_are_merged_on_read_too(feed: Feed) -> None:
    feed.settings.fanout_threshold = 1
    mod, member, fan = await feed.person("Mod"), await feed.person("Mem"), await feed.person("Fan")
    gid = (await feed.ok("POST", "/v1/groups", mod, json={"name": "G"}))["id"]
    await feed.ok("PUT", f"/v1/groups/{gid}/membership", member)
    await feed.ok("PUT", "/v1/hashtags/big/follow", fan)
    await feed.ok("PUT", "/v1/hashtags/big/follow", member)
    in_group = await feed.post(mod, "for members", visibility="group", group_id=gid)
    tagged = await feed.post(mod, "a #big tag")
    private_tagged = await feed.post(mod, "not for you #big", visibility="connections")
    assert not await feed.service.repo.timeline.has_entry(member, in_group)
    assert await feed.home(member) == [tagged, in_group]
    assert await feed.home(fan) == [tagged]
    assert private_tagged not in await feed.home(fan)


async def test_widening_a_posts_audience_by_an_edit_delivers_it(feed: Feed) -> None:
    author, friend, fan = await feed.person("A"), await feed.person("F"), await feed.person("Fan")
    tag_fan = await feed.person("T")
    await feed.connect(author, friend)
    await feed.ok("PUT", f"/v1/users/{author}/follow", fan)
    await feed.ok("PUT", "/v1/hashtags/hiring/follow", tag_fan)
    post_id = await feed.post(author, "friends first", visibility="connections")
    assert await feed.home(fan) == []
    await feed.ok("PATCH", f"/v1/posts/{post_id}", author, json={"visibility": "public"})
    await feed.settled(post_id)  # the consumer of its post.updated fans it out again
    assert await feed.home(fan) == [post_id]
    assert await feed.home(tag_fan) == []
    await feed.ok("PATCH", f"/v1/posts/{post_id}", author, json={"text": "now #hiring"})
    await feed.settled(post_id)
    assert await feed.home(tag_fan) == [post_id]
    await feed.ok("PATCH", f"/v1/posts/{post_id}", author, json={"visibility": "connections"})
    assert await feed.home(fan) == [] and await feed.home(tag_fan) == []
    assert await feed.home(friend) == [post_id]


async def test_people_following_at_the_same_moment_all_get_the_next_post(feed: Feed) -> None:
    """Concurrent follows patch one stored audience: none may be lost."""
    author = await feed.person("A")
    fans = [await feed.person(f"F{i}") for i in range(12)]
    await asyncio.gather(*(feed.ok("PUT", f"/v1/users/{author}/follow", f) for f in fans))
    await feed.ok("DELETE", f"/v1/users/{author}/follow", fans[0])
    post_id = await feed.post(author, "hello all")
    tl = feed.service.repo.timeline
    assert not await tl.has_entry(fans[0], post_id)
    assert all([await tl.has_entry(f, post_id) for f in fans[1:]])


async def test_a_bulk_load_of_followers_reaches_them_after_the_audience_is_rebuilt(
    feed: Feed,
) -> None:
    author = await feed.person("A")
    fans = [f"bulk-{i}" for i in range(300)]
    await feed.service.repo.social.insert_follows(author, fans, feed.clock.now())
    await feed.service.timeline.changed(f"author:{author}")
    post_id = await feed.post(author, "hello bulk")
    result = await feed.service.fanout.fan_out(post_id)
    assert result.audience == 301 and result.delivered == 0  # all delivered on publishing
    tl = feed.service.repo.timeline
    assert all([await tl.has_entry(f, post_id) for f in fans[::50]])


async def test_a_post_reads_the_same_on_the_timeline_as_on_its_own_page(feed: Feed) -> None:
    me, friend = await feed.person("Me", city="Berlin"), await feed.person("Friend")
    await feed.connect(me, friend)
    post = await feed.post(
        friend, f"Shipped it! #launch thanks @{me} https://example.org/x", kind="milestone"
    )
    await feed.ok("PUT", f"/v1/posts/{post}/reaction", me, json={"emoji": "celebrate"})
    await feed.ok("POST", f"/v1/posts/{post}/comments", me, json={"text": "Congrats"})
    await feed.ok("PATCH", f"/v1/posts/{post}", friend, json={"text": "Shipped it!! #launch"})

    page = await feed.ok("GET", "/v1/feed", me)
    single = await feed.ok("GET", f"/v1/posts/{post}", me)
    assert page["items"] == [single]
    assert single["my_reaction"] == "celebrate" and single["edited_at"] is not None
