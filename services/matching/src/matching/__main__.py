"""`python -m matching`: run one instance of the matching service."""

from jobfriends_shared.runtime import serve

from matching.main import create_app
from matching.settings import MatchingSettings


def main() -> None:
    settings = MatchingSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
