"""`python -m events`: run one instance of the events service."""

from jobfriends_shared.runtime import serve

from events.main import create_app
from events.settings import EventsSettings


def main() -> None:
    settings = EventsSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
