"""Contracts and plumbing shared by every JobFriends service.

Only wire contracts (envelope, payloads, topics) and infrastructure helpers live here; business
rules belong to the service that owns them.
"""
