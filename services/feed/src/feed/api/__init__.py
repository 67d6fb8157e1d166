"""HTTP API of the feed service (reached only through the gateway, which forwards `/v1/...`
paths unchanged). Thin: parse, call a use case, shape the answer."""

from fastapi import APIRouter

from feed.api import feed, groups, posts, social

routers: list[APIRouter] = [posts.router, social.router, groups.router, feed.router]

__all__ = ["routers"]
