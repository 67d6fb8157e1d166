"""A living demo city for JobFriends: who lives there, what they do, who would become friends.

`city.py` makes the observable city (profiles, groups, events, posts, connections) from hidden
communities; `truth.py` alone knows which pairs would become friends, so a ranker evaluated
against it can only see what a real user would see.
"""
