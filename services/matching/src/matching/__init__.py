"""JobFriends matching service."""
