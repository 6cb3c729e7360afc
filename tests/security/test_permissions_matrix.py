"""Who may open what: every role against every admin and public URL, and personal data.

Roles: anonymous, Author, Editor, Inquiry staff, a triage volunteer (may view and change
inquiries, not see personal data), a staff account with no role, and a superuser. Each
role's test visits every URL and compares the status with the matrix below; the reader's
name and e-mail address must not appear in any response to a role without
`inquiries.view_personal_data`.
"""

import pytest
from django.contrib.auth.models import Permission, User

from inquiries.models import Status
from tests.factories import make_inquiry, make_live_article, make_staff, make_topic

pytestmark = pytest.mark.django_db

READER_NAME = "Rosa Unmistakable-Reader"
READER_EMAIL = "rosa.private.reader@example.net"
OK, REDIRECT, FORBIDDEN, NOT_ALLOWED = 200, 302, 403, 405

# (key, method, path); {a}, {v}, {t}, {au}, {d}, {i}, {u} are filled with ids and slugs.
URLS = [
    ("home", "get", "/"),
    ("list", "get", "/articles/"),
    ("search", "get", "/articles/?q=fatigue"),
    ("article", "get", "/articles/{slug}/"),
    ("topic", "get", "/topics/{topic_slug}/"),
    ("author page", "get", "/authors/{author_slug}/"),
    ("feed", "get", "/feeds/articles/"),
    ("sitemap", "get", "/sitemap.xml"),
    ("ask", "get", "/ask/?article={slug}"),
    ("healthz", "get", "/healthz"),
    ("admin index", "get", "/admin/"),
    ("articles app", "get", "/admin/articles/"),
    ("article list", "get", "/admin/articles/article/"),
    ("article add", "get", "/admin/articles/article/add/"),
    ("article change", "get", "/admin/articles/article/{a}/change/"),
    ("article history", "get", "/admin/articles/article/{a}/history/"),
    ("article compare", "get", "/admin/articles/article/{a}/compare/?a=1&b=2"),
    ("article version", "get", "/admin/articles/article/{a}/versions/1/"),
    ("article preview", "get", "/admin/articles/article/{a}/preview/"),
    ("version preview", "get", "/admin/articles/article/{a}/versions/1/preview/"),
    ("publish by GET", "get", "/admin/articles/article/{a}/publish/"),
    ("submit", "post", "/admin/articles/article/{a}/submit/"),
    ("publish", "post", "/admin/articles/article/{a}/publish/"),
    ("restore", "post", "/admin/articles/article/{a}/versions/1/restore/"),
    ("unpublish", "post", "/admin/articles/article/{a}/unpublish/"),
    ("archive", "post", "/admin/articles/article/{a}/archive/"),
    ("submit page", "get", "/admin/articles/article/{a}/submit/"),
    ("restore page", "get", "/admin/articles/article/{a}/versions/1/restore/"),
    ("unpublish page", "get", "/admin/articles/article/{a}/unpublish/"),
    ("archive page", "get", "/admin/articles/article/{a}/archive/"),
    ("article delete", "get", "/admin/articles/article/{a}/delete/"),
    ("scheduled list", "get", "/admin/articles/article/scheduled/"),
    ("topic list", "get", "/admin/articles/topic/"),
    ("topic add", "get", "/admin/articles/topic/add/"),
    ("topic change", "get", "/admin/articles/topic/{t}/change/"),
    ("author list", "get", "/admin/articles/author/"),
    ("author add", "get", "/admin/articles/author/add/"),
    ("author change", "get", "/admin/articles/author/{au}/change/"),
    ("disclaimer list", "get", "/admin/articles/disclaimer/"),
    ("disclaimer add", "get", "/admin/articles/disclaimer/add/"),
    ("disclaimer change", "get", "/admin/articles/disclaimer/{d}/change/"),
    ("inquiries app", "get", "/admin/inquiries/"),
    ("inquiry list", "get", "/admin/inquiries/inquiry/"),
    ("inquiry search", "get", "/admin/inquiries/inquiry/?q=Rosa"),
    ("inquiry add", "get", "/admin/inquiries/inquiry/add/"),
    ("inquiry change", "get", "/admin/inquiries/inquiry/{i}/change/"),
    ("inquiry delete", "get", "/admin/inquiries/inquiry/{i}/delete/"),
    ("inquiry csv", "get", "/admin/inquiries/inquiry/export/"),
    ("dashboard", "get", "/admin/inquiries/demandreport/"),
    ("user list", "get", "/admin/auth/user/"),
    ("user change", "get", "/admin/auth/user/{u}/change/"),
    ("group list", "get", "/admin/auth/group/"),
    ("editor browse", "get", "/ckeditor/browse/"),
]
PUBLIC = {"home", "list", "search", "article", "topic", "author page", "feed", "sitemap"}
PUBLIC |= {"ask", "healthz"}
ARTICLE_READ = {
    "scheduled list",
    "articles app", "article list", "article change", "article history", "article compare",
    "article version", "article preview", "version preview", "topic list", "topic change",
    "author list", "author change", "disclaimer list", "disclaimer change",
}  # fmt: skip
INQUIRY_READ = {
    "inquiries app", "inquiry list", "inquiry search", "inquiry change", "inquiry csv",
    "dashboard",
}  # fmt: skip
PUBLISHING = {"restore", "unpublish", "archive"}
# Publishing without naming the version seen asks which one (a page, 200); so do the
# confirmation pages of the other actions.
PUBLISHING_PAGES = {"publish", "restore page", "unpublish page", "archive page"}
VOCABULARY_ADD = {"topic add", "author add", "disclaimer add"}
EVERY_ADMIN = {key for key, _, _ in URLS} - PUBLIC


def matrix(allowed, *, redirects=(), extra=None):
    """Expected statuses: public pages 200, `allowed` 200, `redirects` 302, the rest 403."""
    expected = dict.fromkeys(EVERY_ADMIN, FORBIDDEN)
    expected.update(dict.fromkeys(PUBLIC, OK))
    expected.update(dict.fromkeys(allowed, OK))
    expected.update(dict.fromkeys(redirects, REDIRECT))
    expected.update(extra or {})
    return expected


# Every staff account reaches the index; the editor's image browser needs a role that
# writes articles (issue 14). The admin answers 404 for an app index the user has no
# permission in. POST-only URLs refuse GET (405) before looking at permissions, which
# tells nothing.
STAFF_BASE = {"admin index"}
WITHOUT_ARTICLES = {"articles app": 404, "publish by GET": NOT_ALLOWED}
WITHOUT_INQUIRIES = {"inquiries app": 404}
AUTHOR = matrix(
    STAFF_BASE | ARTICLE_READ | {"article add", "editor browse", "submit page"},
    redirects={"submit"},
    extra={"publish by GET": NOT_ALLOWED, **WITHOUT_INQUIRIES},
)
# Editors may move an article to the trash (the delete page); versions stay.
# Editors triage questions too (without readers' personal data) and start drafts from them.
EDITOR = matrix(
    STAFF_BASE
    | ARTICLE_READ
    | {"article add", "article delete", "editor browse", "submit page"}
    | VOCABULARY_ADD
    | PUBLISHING_PAGES
    | INQUIRY_READ,
    redirects={"submit"} | PUBLISHING,
    extra={"publish by GET": NOT_ALLOWED},
)
INQUIRY_STAFF = matrix(
    STAFF_BASE | INQUIRY_READ | {"inquiry add", "inquiry delete"}, extra=WITHOUT_ARTICLES
)
TRIAGE = matrix(STAFF_BASE | INQUIRY_READ | {"inquiry add"}, extra=WITHOUT_ARTICLES)
NO_ROLE = matrix(STAFF_BASE, extra={**WITHOUT_ARTICLES, **WITHOUT_INQUIRIES})
SUPERUSER = matrix(
    EVERY_ADMIN - {"publish by GET"},
    redirects={"submit"} | PUBLISHING,
    extra={"publish by GET": NOT_ALLOWED},
)
# Anonymous visitors are sent to the sign-in page for everything under /admin/.
ANONYMOUS = matrix((), redirects=EVERY_ADMIN)


@pytest.fixture
def world():
    topic = make_topic("Fatigue")
    article = make_live_article("Living with fatigue", topics=[topic])
    article.title = "Living with fatigue, second version"
    article.save()
    article.save_version(change_note="Second version")
    inquiry = make_inquiry(
        "Can I take LDN with my lupus medicines?",
        topics=[topic],
        name=READER_NAME,
        email=READER_EMAIL,
        reply_wanted=True,
        consent_given=True,
        source_article=article,
        related_article=article,
        related_article_role="prompted",
        status=Status.NEW,
    )
    author = article.article_authors.first().author
    return {
        "slug": article.slug,
        "topic_slug": topic.slug,
        "author_slug": author.slug,
        "a": article.pk,
        "t": topic.pk,
        "au": author.pk,
        "d": article.disclaimer_id,
        "i": inquiry.pk,
        "u": User.objects.create_user("someone-else").pk,
    }


def make_role(role):
    if role == "anonymous":
        return None
    if role == "superuser":
        return make_staff("root", superuser=True)
    if role == "no role":
        return make_staff("plain")
    if role == "triage":
        user = make_staff("triage")
        user.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label="inquiries",
                codename__in=["view_inquiry", "change_inquiry", "add_inquiry"],
            )
        )
        return user
    return make_staff(role.lower().replace(" ", "-"), role)


def body_of(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.parametrize(
    ("role", "expected", "sees_personal_data"),
    [
        ("anonymous", ANONYMOUS, False),
        ("Authors", AUTHOR, False),
        ("Editors", EDITOR, False),
        ("Inquiry staff", INQUIRY_STAFF, True),
        ("triage", TRIAGE, False),
        ("no role", NO_ROLE, False),
        ("superuser", SUPERUSER, True),
    ],
)
def test_each_role_gets_the_expected_status_on_every_url(
    client, world, role, expected, sees_personal_data
):
    user = make_role(role)
    if user is not None:
        client.force_login(user)
    wrong, leaks, seen = {}, [], False

    for key, method, template in URLS:
        response = getattr(client, method)(template.format(**world))
        if response.status_code != expected[key]:
            wrong[key] = (response.status_code, expected[key])
        text = body_of(response)
        if READER_EMAIL in text or READER_NAME in text:
            seen = True
            if not sees_personal_data:
                leaks.append(key)

    assert wrong == {}
    assert leaks == []
    assert seen is sees_personal_data
