"""JobFriends analyst CLI: read the event topics without writing a consumer."""
