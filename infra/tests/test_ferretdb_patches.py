"""Our changes to FerretDB's source land where they should, or the build stops and says where.

The changes' effect is checked on the running store (shared/tests/integration/test_store.py);
this checks the patcher itself on a stand-in source tree."""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "bin" / "ferretdb_patches.py"


@pytest.fixture(scope="module")
def patches() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ferretdb_patches", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _stand_in(root: Path, patches: ModuleType, skip: str = "") -> None:
    """A source tree holding each anchor once, indented as Go source is."""
    for change in patches.CHANGES:
        path = root / change.path
        path.parent.mkdir(parents=True, exist_ok=True)
        before = path.read_text() if path.exists() else "package x\n"
        line = "" if change.anchor == skip else f"\t\t{change.anchor}\n"
        path.write_text(before + line)


def test_every_change_lands_at_its_anchor(tmp_path: Path, patches: ModuleType) -> None:
    _stand_in(tmp_path, patches)
    for change in patches.CHANGES:
        patches.apply(tmp_path, change)
    for change in patches.CHANGES:
        lines = [line.strip() for line in (tmp_path / change.path).read_text().split("\n")]
        assert all(line.strip() in lines for line in change.lines)
        kept = 0 if change.where == "instead" else 1
        again = sum(line.strip() == change.anchor for line in change.lines)
        assert lines.count(change.anchor) == kept + again


def test_a_missing_anchor_stops_the_build_and_names_it(tmp_path: Path, patches: ModuleType) -> None:
    missing = patches.CHANGES[0]
    _stand_in(tmp_path, patches, skip=missing.anchor)
    with pytest.raises(SystemExit, match="found 0"):
        patches.apply(tmp_path, missing)


def test_an_anchor_found_twice_stops_the_build(tmp_path: Path, patches: ModuleType) -> None:
    _stand_in(tmp_path, patches)
    first = patches.CHANGES[0]
    path = tmp_path / first.path
    path.write_text(path.read_text() + f"\t{first.anchor}\n")
    with pytest.raises(SystemExit, match="found 2"):
        patches.apply(tmp_path, first)
