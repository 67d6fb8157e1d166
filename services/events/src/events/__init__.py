"""JobFriends events service."""
