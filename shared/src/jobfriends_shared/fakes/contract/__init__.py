"""What the fake store promises, written once and checked against both stores.

Each scenario takes an empty database and asserts one behaviour our code relies on. The unit
tests run them on `FakeDatabase`; an integration test runs the same scenarios on the real store,
so where the fake and the store disagree, a test says so, and the store is right. Where
MongoDB and FerretDB 1.24 disagree with each other (a null or missing field in a unique key:
one key on MongoDB, distinct keys on FerretDB), the fake picks neither and raises
`NotImplementedError`, since our code must hold on both.
"""

from jobfriends_shared.fakes.contract import counting, querying, storing, writing
from jobfriends_shared.fakes.contract.registry import SCENARIOS, Scenario

__all__ = ["SCENARIOS", "Scenario", "counting", "querying", "storing", "writing"]
