"""`python -m identity`: run one instance of the identity service."""

from jobfriends_shared.runtime import serve

from identity.main import create_app
from identity.settings import IdentitySettings


def main() -> None:
    settings = IdentitySettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
