"""Every module that works around FerretDB says so and is in the stand-ins index
(shared/src/jobfriends_shared/standins.py), and every module the index names exists and says
what it stands in for: so rule and workaround can be told apart, and the index cannot rot."""

from pathlib import Path

from jobfriends_shared.standins import STAND_INS, listed_modules

ROOT = Path(__file__).resolve().parents[2]
# The fake store describes FerretDB's behaviour it models; it is test plumbing, no stand-in.
NOT_STAND_INS = ("shared/src/jobfriends_shared/fakes/", "shared/src/jobfriends_shared/standins.py")


def _mentioning_ferretdb() -> set[str]:
    found = set()
    for path in [*ROOT.glob("services/*/src/**/*.py"), *ROOT.glob("shared/src/**/*.py")]:
        relative = path.relative_to(ROOT).as_posix()
        if not relative.startswith(NOT_STAND_INS) and "FerretDB" in path.read_text():
            found.add(relative)
    return found


def test_every_workaround_is_in_the_index() -> None:
    unlisted = _mentioning_ferretdb() - listed_modules()
    assert not unlisted, f"add to jobfriends_shared.standins (what it stands in for): {unlisted}"


def test_every_module_the_index_names_works_around_ferretdb() -> None:
    stale = listed_modules() - _mentioning_ferretdb()
    assert not stale, f"listed in jobfriends_shared.standins but saying nothing of it: {stale}"


def test_each_stand_in_says_what_mongodb_would_do() -> None:
    for stand_in in STAND_INS:
        assert stand_in.feature and stand_in.instead and stand_in.on_mongodb and stand_in.where
