"""Staff without the personal-data permission cannot learn readers' names, e-mail addresses or
address hashes from the inquiry list or its CSV export, by any parameter in the address."""

import csv
import io
import re
from html import unescape
from urllib.parse import parse_qsl, urlencode

import pytest
from django.contrib.auth.models import Permission

from inquiries.models import PERSONAL_FIELDS, ArticleRole, Inquiry
from tests.factories import make_inquiry, make_live_article, make_staff, make_topic

pytestmark = pytest.mark.django_db

LIST = "/admin/inquiries/inquiry/"
EXPORT = "/admin/inquiries/inquiry/export/"
SECRET = {"name": "Rosa Quintero", "email": "rosa.q@example.net", "client_hash": "c0ffee" * 10}
# The same fields reached through relations: an inquiry's topic, article or assignee leads back
# to every inquiry on it.
PERSONAL_PATHS = [
    *PERSONAL_FIELDS,
    *(f"topics__inquiries__{field}" for field in PERSONAL_FIELDS),
    "related_article__related_inquiries__email",
    "source_article__inquiries_sent_from__name",
    "assigned_to__assigned_inquiries__email",
]
LOOKUPS = ["", "iexact", "icontains", "startswith", "endswith", "regex", "gt", "lt", "in",
           "isnull"]  # fmt: skip


def _staff(client, *codenames):
    user = make_staff("val" if "view_personal_data" not in codenames else "ines")
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="inquiries", codename__in=codenames)
    )
    client.force_login(user)
    return user


@pytest.fixture
def volunteer(client):
    """Triage staff without the personal-data permission."""
    return _staff(client, "view_inquiry", "change_inquiry")


@pytest.fixture
def readers(volunteer):
    topic = make_topic("Fatigue")
    article = make_live_article("Living with fatigue", topics=[topic])
    common = {"topics": [topic], "related_article": article, "source_article": article}
    secret = make_inquiry(
        "Is LDN safe with my tablets?",
        assigned_to=volunteer,
        related_article_role=ArticleRole.ANSWERS,
        **SECRET,
        **common,
    )
    other = make_inquiry("What helps with fatigue?", **common)
    return secret, other


def _value(path, lookup, matching):
    """A value the secret inquiry matches (matching=True) or does not."""
    secret = SECRET[path.rsplit("__", 1)[-1]]
    if lookup == "isnull":
        return "False" if matching else "True"
    if lookup in {"gt", "lt"}:
        return ("" if matching else "~") if lookup == "gt" else ("~" if matching else "")
    if lookup == "endswith":
        return secret[-4:] if matching else "zzzz"
    return secret[:4] if matching else "zzzz"


def _result(client, url, params):
    """What the response tells: its status and the inquiries it lists."""
    response = client.get(url + "?" + urlencode(params))
    if response.status_code != 200:
        return response.status_code, None
    if url == EXPORT:
        body = b"".join(response.streaming_content).decode()
        rows = list(csv.reader(io.StringIO(body)))[1:]
        return 200, sorted(int(row[0]) for row in rows)
    ids = re.findall(r'name="_selected_action" value="(\d+)"', response.content.decode())
    return 200, sorted(int(pk) for pk in ids)


def test_the_oracle_exists_for_staff_allowed_to_see_personal_data(client, readers):
    _staff(client, "view_inquiry", "change_inquiry", "view_personal_data")
    secret, _ = readers

    assert _result(client, LIST, {"email__startswith": "rosa"}) == (200, [secret.pk])
    assert _result(client, LIST, {"email__startswith": "zzzz"}) == (200, [])


@pytest.mark.slow
@pytest.mark.parametrize("url", [LIST, EXPORT])
def test_no_lookup_on_personal_data_changes_what_the_list_shows(client, readers, url):
    everything = _result(client, url, {})
    assert everything == (200, sorted(i.pk for i in readers))

    for path in PERSONAL_PATHS:
        for lookup in LOOKUPS:
            key = f"{path}__{lookup}" if lookup else path
            matching = _result(client, url, {key: _value(path, lookup, True)})
            not_matching = _result(client, url, {key: _value(path, lookup, False)})
            assert matching == not_matching, key
            assert matching in [everything, (400, None)], key


def test_refused_lookups_are_a_400_that_says_what_to_do(client, readers):
    response = client.get(LIST, {"email__startswith": "rosa"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "does not accept the parameter “email__startswith”" in html
    assert "rosa" not in html


def _own_parameters(client):
    """The parameter names the inquiry list's own links use (filters, drill-down, sorting)."""
    html = client.get(LIST).content.decode()
    return {
        key
        for query in re.findall(r'href="\?([^"]*)"', html)
        for key, _ in parse_qsl(unescape(query), keep_blank_values=True)
    }


@pytest.mark.slow
def test_every_other_field_and_lookup_in_the_address_is_refused_or_tells_nothing(client, readers):
    own = _own_parameters(client)
    assert {"status__exact", "topics__id__exact", "received_at__gte"} <= own

    fields = [field.name for field in Inquiry._meta.get_fields() if field.concrete]
    for name in fields:
        for lookup in LOOKUPS:
            key = f"{name}__{lookup}" if lookup else name
            if key in own:
                continue
            answers = [_result(client, LIST, {key: value}) for value in ["rosa", "new", "1"]]
            # Refused, or a filter's own parameter read as a yes/no flag (channel__isnull).
            assert answers == [(400, None)] * 3 or (
                name not in PERSONAL_FIELDS and answers == [answers[0]] * 3
            ), key


def test_a_bad_regular_expression_is_a_400_for_every_staff_member(client, readers):
    _staff(client, "view_inquiry", "view_personal_data")

    for key in ["question__regex", "email__iregex", "status__regex"]:
        response = client.get(LIST, {key: "(unclosed["})
        assert response.status_code == 400, key
        assert "does not accept the parameter" in response.content.decode()


def test_the_filters_and_the_article_link_still_work(client, readers):
    secret, other = readers
    article = secret.related_article

    assert _result(client, LIST, {"status__exact": "new"})[0] == 200
    assert _result(client, LIST, {"topics__id__exact": secret.topics.get().pk})[0] == 200
    assert _result(
        client,
        LIST,
        {"related_article__id__exact": article.pk, "related_article_role__exact": "answers"},
    ) == (200, [secret.pk])
    assert _result(client, LIST, {"received_at__year": secret.received_at.year})[0] == 200


@pytest.mark.parametrize("url", [LIST, EXPORT])
def test_search_and_ordering_never_read_personal_data(client, readers, url):
    for q in [SECRET["name"], SECRET["email"], SECRET["client_hash"]]:
        assert _result(client, url, {"q": q}) == (200, []), q
    for column in range(-10, 10):
        status, ids = _result(client, url, {"o": str(column)})
        assert status in {200, 302} and (ids is None or len(ids) == 2), column
