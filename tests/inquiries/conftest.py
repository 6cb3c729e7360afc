import re

import pytest

from tests.factories import make_staff


@pytest.fixture(autouse=True)
def _instant_forms(settings):
    """Tests fill the form at machine speed; the timing tests set their own minimum."""
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    settings.INQUIRY_NOTIFY_EMAIL = ""


def form_token(client, url="/ask/"):
    response = client.get(url)
    assert response.status_code == 200
    return re.search(r'name="form_token" value="([^"]+)"', response.content.decode()).group(1)


@pytest.fixture
def ask(client):
    """POST the question form with a fresh token; keyword arguments override fields."""

    def post(token=None, **fields):
        data = {"question": "Can I take LDN with hydroxychloroquine?", "website": ""}
        data["form_token"] = token or form_token(client)
        data.update(fields)
        return client.post("/ask/", data)

    return post


@pytest.fixture
def inquiry_staff(client):
    """A member of the "Inquiry staff" group, signed in on `client`."""
    user = make_staff("ines", "Inquiry staff")
    client.force_login(user)
    return user


@pytest.fixture
def helen(client):
    """A signed-in member of Inquiry staff."""
    user = make_staff("helen", "Inquiry staff")
    client.force_login(user)
    return user
