"""JobFriends feed service."""
