"""JobFriends notifications service."""
