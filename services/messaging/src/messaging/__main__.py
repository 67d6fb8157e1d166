"""`python -m messaging`: run one instance of the messaging service."""

from jobfriends_shared.runtime import serve

from messaging.main import create_app
from messaging.settings import MessagingSettings


def main() -> None:
    settings = MessagingSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
