"""The cases' `world` (a committee with a published scheme, people and a customer) for letter tests."""

from tests.cases.conftest import World, world  # noqa: F401
