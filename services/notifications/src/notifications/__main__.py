"""`python -m notifications`: run one instance of the notifications service."""

from jobfriends_shared.runtime import serve

from notifications.main import create_app
from notifications.settings import NotificationsSettings


def main() -> None:
    settings = NotificationsSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
