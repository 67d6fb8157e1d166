"""JobFriends gateway service."""
