"""JobFriends messaging service."""
