import pytest

from tests.factories import make_staff


@pytest.fixture
def editor(client):
    """A signed-in member of Editors."""
    user = make_staff("edith", "Editors")
    client.force_login(user)
    return user
