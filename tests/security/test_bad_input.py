"""Hostile and malformed input: always a 4xx, a redirect or a re-shown form, never a 500."""

import re

import hypothesis
import pytest
from django.contrib.auth.models import User
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from articles.models import Article, ArticleVersion, Author, Disclaimer, Source, Topic
from tests.factories import default_disclaimer, make_author, make_live_article, make_topic
from tests.security.xss_vectors import VECTORS

FORM_TYPE = "application/x-www-form-urlencoded"
HOSTILE = [payload for _, payload in VECTORS[::10]] + [
    "' OR 1=1 --",
    "'; DROP TABLE articles_article; --",
    "%' UNION SELECT username, password FROM auth_user --",
    "\ufeff\u202e\u200b",
    "💥" * 50,
]
VOCABULARY = {"topic": Topic, "author": Author, "disclaimer": Disclaimer}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/feeds/articles/", "/feeds/articles/atom/"])
def test_feeds_survive_control_characters_pasted_into_an_article(client, url):
    make_live_article(
        "Page\x0cbreak from a PDF\x01",
        summary="A summary with a form feed\x0c and a bell\x07.",
        topics=[make_topic("Fatigue\x0b")],
        authors=[make_author("Ann\x1f Author")],
    )

    response = client.get(url)

    assert response.status_code == 200
    text = response.content.decode()
    assert "Pagebreak from a PDF" in text
    assert "\x0c" not in text and "\x01" not in text


# Property-based tests --------------------------------------------------------------------
# A shared profile keeps these quick in every run; the examples that ever failed are kept in
# .hypothesis/ (git-ignored) and tried first next time.
hypothesis.settings.register_profile(
    "ldn-forms",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FORMS = hypothesis.settings.get_profile("ldn-forms")
ADMIN_FORMS = hypothesis.settings(FORMS, max_examples=25)

# Any Unicode but surrogates (which no browser can send), NUL included.
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=200)
HUGE = st.builds(lambda piece, times: piece * times, TEXT.filter(bool), st.integers(300, 3000))
FIELD = st.one_of(TEXT, HUGE, st.just(""), st.just("\x00"), st.sampled_from(HOSTILE))
ACCEPTED = {200, 302, 400, 403, 404, 405, 413, 429}


@pytest.fixture
def fast_form(settings):
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    settings.INQUIRY_RATE_LIMIT = "100000/m"
    settings.INQUIRY_NOTIFY_EMAIL = ""


def ask_token(client):
    response = client.get("/ask/")
    return re.search(r'name="form_token" value="([^"]+)"', response.content.decode()).group(1)


@pytest.mark.django_db
@FORMS
@given(
    question=FIELD,
    name=FIELD,
    email=FIELD,
    topic=FIELD,
    article=FIELD,
    website=st.one_of(st.just(""), TEXT),
    reply_wanted=st.sampled_from(["", "on", "x\x00"]),
    consent=st.sampled_from(["", "on"]),
    token=st.one_of(st.none(), FIELD),
)
def test_ask_form_answers_hostile_fields_with_a_page_never_an_error(
    client, fast_form, question, name, email, topic, article, website, reply_wanted, consent, token
):
    from inquiries.models import Inquiry

    before = Inquiry.objects.count()
    data = {
        "question": question,
        "name": name,
        "email": email,
        "topic": topic,
        "article": article,
        "website": website,
        "reply_wanted": reply_wanted,
        "consent": consent,
        "form_token": ask_token(client) if token is None else token,
    }

    response = client.post("/ask/", data)

    assert response.status_code in {302, 400}
    added = Inquiry.objects.count() - before
    if response.status_code == 400:
        assert added == 0
        assert "Ask a question" in response.content.decode()
    else:
        assert added in {0, 1}
        if added:
            inquiry = Inquiry.objects.order_by("-pk").first()
            assert inquiry.question == question.strip()
            assert "\x00" not in inquiry.question + inquiry.name


@pytest.mark.django_db
@FORMS
@given(body=st.binary(max_size=2000))
def test_ask_form_survives_raw_bodies_that_are_not_utf8(client, fast_form, body):
    from inquiries.models import Inquiry

    for content_type in ("application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        response = client.generic("POST", "/ask/", body, content_type=content_type)
        assert response.status_code in {400, 403}
    assert not Inquiry.objects.exists()


@pytest.mark.django_db
def test_ask_form_refuses_a_post_from_another_site(fast_form):
    from inquiries.models import Inquiry

    client = Client(enforce_csrf_checks=True)
    token = ask_token(client)

    response = client.post(
        "/ask/", {"question": "Hello?", "form_token": token}, HTTP_SEC_FETCH_SITE="cross-site"
    )

    assert response.status_code == 403
    assert not Inquiry.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_ask_form_refuses_other_methods(client, fast_form, method):
    response = getattr(client, method)("/ask/", "question=Hello", content_type=FORM_TYPE)

    assert response.status_code == 405


@pytest.mark.django_db
def test_ask_form_refuses_a_body_over_the_upload_limit(client, fast_form):
    from inquiries.models import Inquiry

    response = client.post("/ask/", {"question": "x" * (6 * 1024 * 1024), "form_token": "t"})

    assert response.status_code == 400
    assert not Inquiry.objects.exists()


# The admin forms -----------------------------------------------------------------------------


@pytest.fixture
def chief(client):
    client.force_login(User.objects.create_superuser("chief", password="x" * 20))
    return client


def article_rows():
    return (Article.objects.count(), ArticleVersion.objects.count(), Source.objects.count())


def consistent_articles():
    """Nothing half-saved: every article's working copy is exactly its latest version."""
    for article in Article.objects.select_related("latest_version"):
        assert article.latest_version is not None
        assert article.snapshot() == article.latest_version.content


@pytest.mark.django_db
@ADMIN_FORMS
@given(
    title=FIELD,
    slug=FIELD,
    summary=FIELD,
    body=FIELD,
    cautions=FIELD,
    change_note=FIELD,
    source_title=FIELD,
    source_url=FIELD,
    last_reviewed=FIELD,
    based_on=st.sampled_from(["", "0", "1", "-1", "x", "99999999999999999999"]),
)
def test_article_add_form_saves_whole_articles_or_nothing(
    chief, title, slug, summary, body, cautions, change_note, source_title, source_url,
    last_reviewed, based_on,
):  # fmt: skip
    before = article_rows()
    data = article_form(
        title=title,
        slug=slug,
        summary=summary,
        body=body,
        cautions=cautions,
        change_note=change_note,
        last_reviewed=last_reviewed,
        based_on_version=based_on,
        **{"sources-0-title": source_title, "sources-0-url": source_url},
    )

    response = chief.post("/admin/articles/article/add/", data)

    assert response.status_code in {200, 302}
    after = article_rows()
    if response.status_code == 200:
        assert after == before
    else:
        assert after[:2] == (before[0] + 1, before[1] + 1)
    consistent_articles()


@pytest.mark.django_db
@ADMIN_FORMS
@given(title=FIELD, body=FIELD, change_note=FIELD, source_url=FIELD, status=FIELD)
def test_article_change_form_adds_a_whole_version_or_nothing(
    chief, title, body, change_note, source_url, status
):
    article = Article.objects.filter(slug="target").first() or make_live_article(
        "Target", slug="target"
    )
    before = article_rows()
    data = article_form(
        title=title,
        slug="target",
        body=body,
        change_note=change_note,
        status=status,
        based_on_version=str(article.latest_version.number),
        **existing_inlines(article),
        **{"sources-0-url": source_url},
    )

    response = chief.post(f"/admin/articles/article/{article.pk}/change/", data)

    assert response.status_code in {200, 302}
    after = article_rows()
    assert after[0] == before[0]
    assert after[1] in {before[1], before[1] + 1}
    if response.status_code == 200:
        assert after == before
    consistent_articles()
    assert Article.objects.live().filter(pk=article.pk).exists()


@pytest.mark.django_db
@ADMIN_FORMS
@given(
    model=st.sampled_from(["topic", "author", "disclaimer"]),
    name=FIELD,
    slug=FIELD,
    text=FIELD,
    flag=st.sampled_from(["", "on", "\x00"]),
)
def test_vocabulary_forms_save_whole_rows_or_nothing(chief, model, name, slug, text, flag):
    data = {
        "topic": {"name": name, "slug": slug, "description": text, "search_synonyms": text,
                  "is_off_label": flag},
        "author": {"name": name, "slug": slug, "credentials": text, "bio": text},
        "disclaimer": {"name": name, "text": text, "is_default": flag},
    }[model]  # fmt: skip
    counts = {label: m.objects.count() for label, m in VOCABULARY.items()}

    response = chief.post(f"/admin/articles/{model}/add/", data)

    assert response.status_code in {200, 302}
    added = VOCABULARY[model].objects.count() - counts[model]
    assert added == (1 if response.status_code == 302 else 0)
    assert Disclaimer.objects.filter(is_default=True).count() <= 1


@pytest.mark.django_db
@ADMIN_FORMS
@given(
    question=FIELD,
    channel=st.one_of(st.sampled_from(["email", "phone", "web"]), FIELD),
    received_date=FIELD,
    received_time=FIELD,
    notes=FIELD,
    name=FIELD,
    email=FIELD,
    status=st.one_of(st.sampled_from(["new", "answered"]), FIELD),
)
def test_inquiry_quick_log_saves_whole_questions_or_nothing(
    chief, question, channel, received_date, received_time, notes, name, email, status
):
    from inquiries.models import Inquiry

    before = Inquiry.objects.count()
    data = {
        "question": question,
        "channel": channel,
        "received_at_0": received_date,
        "received_at_1": received_time,
        "status": status,
        "staff_notes": notes,
        "name": name,
        "email": email,
    }

    response = chief.post("/admin/inquiries/inquiry/add/", data)

    assert response.status_code in {200, 302}
    assert Inquiry.objects.count() - before == (1 if response.status_code == 302 else 0)


def existing_inlines(article):
    """The inline rows as the change form sends them back: the saved byline and source."""
    byline = article.article_authors.get()
    source = article.sources.get()
    return {
        "article_authors-INITIAL_FORMS": "1",
        "article_authors-0-id": byline.pk,
        "article_authors-0-article": article.pk,
        "article_authors-0-author": byline.author_id,
        "sources-INITIAL_FORMS": "1",
        "sources-0-id": source.pk,
        "sources-0-article": article.pk,
        "sources-0-title": source.title,
    }


def article_form(**fields):
    topic = Topic.objects.first() or make_topic("Fatigue")
    author = Author.objects.first() or make_author("Pat")
    data = {
        "title": "A title",
        "slug": "a-title",
        "summary": "A summary.",
        "body": "<p>Body</p>",
        "topics": [topic.pk],
        "disclaimer": default_disclaimer().pk,
        "last_reviewed": "2026-01-15",
        "image_licence": "organization",
        "based_on_version": "0",
        "article_authors-TOTAL_FORMS": "1",
        "article_authors-INITIAL_FORMS": "0",
        "article_authors-0-author": author.pk,
        "article_authors-0-order": "0",
        "sources-TOTAL_FORMS": "1",
        "sources-INITIAL_FORMS": "0",
        "sources-0-order": "0",
        "sources-0-title": "A study",
        "sources-0-url": "https://example.org/study",
        "sources-0-kind": "study",
    }
    data.update(fields)
    return data


# Every public address's query string, and the content types of form posts -----------------
# Any key and value a client can write, NUL and the hostile strings included.
QUERY_TEXT = st.one_of(TEXT, st.just("\x00"), st.sampled_from(HOSTILE), st.just("9" * 30))
QUERY = st.dictionaries(
    st.one_of(st.sampled_from(["q", "page", "article", "p", "section", "o", "feedback"]), TEXT),
    QUERY_TEXT,
    max_size=4,
)
PUBLIC_URLS = [
    "/",
    "/articles/",
    "/articles/living-with-fatigue/",
    "/topics/fatigue/",
    "/authors/pat-author/",
    "/feeds/articles/",
    "/feeds/articles/atom/",
    "/sitemap.xml",
    "/sitemap-articles.xml",
    "/robots.txt",
    "/ask/",
    "/ask/thanks/",
    "/healthz",
    "/admin/login/",
]
PUBLIC_OK = {200, 301, 302, 304, 400, 404, 405, 410}


@pytest.fixture
def public_site(db):
    make_live_article(
        "Living with fatigue", topics=[make_topic("Fatigue")], authors=[make_author("Pat Author")]
    )


@pytest.mark.django_db
@pytest.mark.parametrize("url", PUBLIC_URLS)
@hypothesis.settings(FORMS, max_examples=15)
@given(query=QUERY)
@hypothesis.example(query={"q": "\x00"})
@hypothesis.example(query={"article": "lupus\x00"})
def test_every_public_address_answers_any_query_string_without_an_error(public_site, url, query):
    client = Client(raise_request_exception=False)

    response = client.get(url, query)

    assert response.status_code in PUBLIC_OK, (url, query, response.status_code)


CHARSETS = ["utf-8", "UTF-8", "utf8", "utf-16", "utf-16-le", "utf-32", "latin-1", "cp500",
            "utf-7", "bogus", "", '"utf-16"']  # fmt: skip
CONTENT_TYPE = st.one_of(
    st.builds(
        lambda kind, charset: f"{kind}; charset={charset}",
        st.sampled_from(["application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]),
        st.sampled_from(CHARSETS),
    ),
    st.sampled_from(["text/plain", "application/json", "application/xml", ""]),
    TEXT,
)


@pytest.mark.django_db
@FORMS
@given(
    url=st.sampled_from(["/ask/", "/feedback/", "/admin/login/"]),
    content_type=CONTENT_TYPE,
    body=st.one_of(
        st.just("question=Is+LDN+safe%3F&kind=helpful&username=a&password=b"),
        TEXT,
    ),
    encoding=st.sampled_from(["utf-8", "utf-16", "latin-1"]),
)
@hypothesis.example(
    url="/ask/",
    content_type="application/x-www-form-urlencoded; charset=utf-16",
    body="question=Is+LDN+safe%3F",
    encoding="utf-16",
)
def test_form_posts_answer_any_content_type_without_an_error(
    fast_form, url, content_type, body, encoding
):
    from inquiries.models import Inquiry

    # As browsers send them: with the CSRF cookie of an earlier page, from our own origin.
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.get("/ask/")

    response = client.generic(
        "POST",
        url,
        body.encode(encoding, errors="replace"),
        content_type=content_type,
        HTTP_ORIGIN="http://testserver",
    )

    assert response.status_code in {200, 400, 403, 415, 429}, (content_type, response.status_code)
    assert not Inquiry.objects.exists()
