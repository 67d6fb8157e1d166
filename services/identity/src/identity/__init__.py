"""JobFriends identity service."""
