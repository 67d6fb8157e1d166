"""`python -m feed`: run one instance of the feed service."""

from jobfriends_shared.runtime import serve

from feed.main import create_app
from feed.settings import FeedSettings


def main() -> None:
    settings = FeedSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
