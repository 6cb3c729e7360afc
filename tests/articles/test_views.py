import datetime
import json
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import ArticleStatus
from tests.factories import (
    make_article,
    make_author,
    make_hero_image,
    make_live_article,
    make_topic,
)

pytestmark = pytest.mark.django_db


def html_of(response):
    return response.content.decode()


def json_ld(html):
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD on the page"
    return json.loads(match.group(1))


# Home, list, topic and author pages -----------------------------------------------------------


def test_home_shows_featured_and_latest_live_articles_topics_and_ask_link(client):
    lupus = make_topic("Lupus")
    make_live_article("Featured piece", featured=True, topics=[lupus])
    make_live_article("Ordinary piece")
    make_article("Draft piece")

    html = html_of(client.get("/"))

    featured = html.split('id="featured-heading"')[1].split('id="latest-heading"')[0]
    assert "Featured piece" in featured
    assert "Ordinary piece" in html.split('id="latest-heading"')[1]
    assert "Draft piece" not in html
    assert 'href="/topics/lupus/"' in html
    assert 'href="/ask/"' in html


def test_article_list_is_newest_first_and_paginated_by_twenty(client):
    for number in range(22):
        article = make_live_article(f"Piece {number:02d}")
        type(article).objects.filter(pk=article.pk).update(
            last_published_at=timezone.now() - datetime.timedelta(days=100 - number)
        )

    first = html_of(client.get("/articles/"))
    second = html_of(client.get("/articles/?page=2"))

    assert first.count('class="card"') == 20
    assert first.index("Piece 21") < first.index("Piece 20")
    assert "Piece 01" not in first
    assert "Piece 01" in second and "Piece 00" in second
    assert 'rel="next"' in first


def test_list_shows_the_live_title_not_the_working_copy(client):
    article = make_live_article("Published title")
    article.title = "Unpublished working title"
    article.save()
    article.save_version(change_note="Retitled")

    html = html_of(client.get("/articles/"))

    assert "Published title" in html
    assert "Unpublished working title" not in html


def test_page_number_out_of_range_is_404(client):
    assert client.get("/articles/?page=9").status_code == 404
    assert client.get("/articles/?page=abc").status_code == 404


def test_topic_page_lists_only_its_live_articles(client):
    lupus, ms = make_topic("Lupus", description="An autoimmune disease."), make_topic("MS")
    make_live_article("About lupus", topics=[lupus])
    make_live_article("About MS", topics=[ms])

    response = client.get("/topics/lupus/")
    html = html_of(response)

    assert "An autoimmune disease." in html
    assert "About lupus" in html
    assert "About MS" not in html
    assert client.get("/topics/no-such-topic/").status_code == 404


def test_author_page_shows_bio_and_live_articles(client):
    writer = make_author("Dana Reyes", credentials="RN", bio="Dana has lived with lupus.")
    make_live_article("Her live piece", authors=[writer])
    make_article("Her draft", authors=[writer])

    html = html_of(client.get("/authors/dana-reyes/"))

    assert "Dana Reyes" in html and "RN" in html
    assert "Dana has lived with lupus." in html
    assert "Her live piece" in html
    assert "Her draft" not in html
    assert client.get("/authors/nobody/").status_code == 404


# The article page -----------------------------------------------------------------------------


def full_article(**extra):
    reviewer = make_author("Dr Lee Park", credentials="rheumatologist")
    writer = make_author("Sam Ortiz", credentials="patient advocate")
    topic = make_topic("Low-dose naltrexone", slug="ldn", search_synonyms="LDN, naltrexone")
    extra.setdefault("sources", 2)
    article = make_live_article(
        "Naltrexone at low doses",
        subtitle="What the small trials say",
        authors=[writer],
        medical_reviewer=reviewer,
        topics=[topic],
        cautions="Not approved for lupus.\nTalk to your rheumatologist first.",
        evidence_note="Two small trials; none in lupus.",
        **extra,
    )
    return article


def test_article_page_shows_every_part_of_the_live_version(client, settings):
    settings.ORGANIZATION_NAME = "Test Lupus Group"
    article = full_article()

    response = client.get(article.get_absolute_url())
    html = html_of(response)

    assert response.status_code == 200
    assert "<h1" in html and "Naltrexone at low doses" in html
    assert "What the small trials say" in html
    assert '<a href="/authors/sam-ortiz/">Sam Ortiz</a>, patient advocate' in html
    assert (
        'Medically reviewed by <a href="/authors/dr-lee-park/">Dr Lee Park</a>, rheumatologist'
        in html
    )
    for label in ("Published", "Last updated", "Last reviewed"):
        assert f"<dt>{label}</dt>" in html
    assert "15 January 2026" in html
    assert 'href="/topics/ldn/"' in html
    assert "Not approved for lupus." in html and "Two small trials; none in lupus." in html
    assert "The body of Naltrexone at low doses." in html
    assert '<li id="source-2"><a href="https://example.org/source-2">' in html
    assert "not a replacement for advice from your own doctor" in html
    assert "Images on this site belong to Test Lupus Group" in html
    assert f'name="article" value="{article.slug}"' in html
    assert "Print for your doctor" in html
    assert "<script>" not in html and 'style="' not in html


@pytest.mark.parametrize(
    "change",
    [
        {"status": ArticleStatus.UNPUBLISHED},
        {"status": ArticleStatus.ARCHIVED},
        {"live_from": timezone.now() + datetime.timedelta(days=1)},
        {"expire_at": timezone.now() - datetime.timedelta(minutes=1)},
    ],
    ids=["unpublished", "archived", "not-yet-live", "expired"],
)
def test_article_that_is_not_live_is_404(client, change):
    article = make_live_article()
    url = article.get_absolute_url()
    if "live_from" in change:
        article.versions.update(**change)
    else:
        type(article).objects.filter(pk=article.pk).update(**change)

    assert client.get(url).status_code == 404


def test_draft_article_is_404(client):
    article = make_article()

    assert client.get(article.get_absolute_url()).status_code == 404


def test_article_page_shows_live_version_while_a_draft_is_pending(client):
    article = make_live_article("Live title", body="<p>Live words.</p>")
    article.title = "Draft title"
    article.body = "<p>Draft words.</p>"
    article.save()
    article.save_version(change_note="Rewrote")

    html = html_of(client.get(article.get_absolute_url()))

    assert "Live words." in html and "Live title" in html
    assert "Draft" not in html


def test_public_change_notes_up_to_the_live_version_are_listed_with_dates(client):
    article = make_live_article("Changing")
    article.summary = "Second summary."
    article.save()
    article.publish(article.save_version(change_note="Added the 2025 trial.", note_is_public=True))
    article.summary = "Third summary."
    article.save()
    article.save_version(change_note="Not yet published note.", note_is_public=True)
    article.summary = "Fourth summary."
    article.save()

    html = html_of(client.get(article.get_absolute_url()))

    assert "Changes to this article" in html
    assert "Added the 2025 trial." in html
    assert "Not yet published note." not in html


def test_going_back_to_an_earlier_version_shows_only_the_notes_up_to_it(client):
    article = make_live_article("Going back")
    article.summary = "Second summary."
    article.save()
    article.publish(article.save_version(change_note="First public note.", note_is_public=True))
    article.summary = "Third summary."
    article.save()
    third = article.save_version(change_note="Second public note.", note_is_public=True)
    article.publish(third)
    assert "Second public note." in html_of(client.get(article.get_absolute_url()))

    article.publish(2, allow_newer=True)

    html = html_of(client.get(article.get_absolute_url()))
    assert "First public note." in html
    assert "Second public note." not in html


def test_private_change_notes_are_not_shown(client):
    article = make_live_article()
    article.summary = "Changed."
    article.save()
    article.publish(article.save_version(change_note="Typo fix, staff only."))

    assert "Typo fix" not in html_of(client.get(article.get_absolute_url()))


def test_related_articles_share_a_topic_and_are_live(client):
    topic, other = make_topic("Fatigue"), make_topic("Skin")
    article = make_live_article("Main", topics=[topic])
    make_live_article("Sibling", topics=[topic])
    make_live_article("Stranger", topics=[other])
    make_article("Draft sibling", topics=[topic])

    html = html_of(client.get(article.get_absolute_url()))
    related = html.split('id="related-heading"')[1]

    assert "Sibling" in related
    assert "Stranger" not in html and "Draft sibling" not in html


def test_an_article_sharing_several_topics_is_listed_once_among_related(client):
    topics = [make_topic("Fatigue"), make_topic("Sleep")]
    article = make_live_article("Main", topics=topics)
    make_live_article("Close cousin", topics=topics)

    related = html_of(client.get(article.get_absolute_url())).split('id="related-heading"')[1]

    assert related.count("/articles/close-cousin/") == 1


def test_script_in_a_stored_snapshot_never_reaches_the_page(client):
    article = make_live_article("Safe")
    version = article.live_version
    version.content = {**version.content, "body": '<p>Hi</p><script>alert("x")</script>'}
    type(version).objects.filter(pk=version.pk).update(content=version.content)

    html = html_of(client.get(article.get_absolute_url()))

    assert "alert(" not in html
    assert "<p>Hi</p>" in html


# Metadata ------------------------------------------------------------------------------------


def test_article_metadata_has_description_canonical_social_cards_and_json_ld(client):
    article = full_article(image=make_hero_image(), image_alt="A pill box", image_credit="Staff")

    html = html_of(client.get(article.get_absolute_url()))
    data = json_ld(html)

    url = f"http://testserver{article.get_absolute_url()}"
    assert '<meta name="description" content="A short summary of Naltrexone' in html
    assert f'<link rel="canonical" href="{url}">' in html
    assert '<meta property="og:title" content="Naltrexone at low doses">' in html
    assert re.search(r'<meta property="og:image" content="http://testserver/media/.+\.jpg">', html)
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert data["@type"] == "MedicalWebPage"
    assert data["author"][0]["name"] == "Sam Ortiz"
    assert data["reviewedBy"]["name"] == "Dr Lee Park"
    assert data["lastReviewed"] == "2026-01-15"
    assert data["datePublished"] and data["dateModified"]
    assert [c["url"] for c in data["citation"]] == [
        "https://example.org/source-1",
        "https://example.org/source-2",
    ]
    assert data["image"].startswith("http://testserver/media/renditions/")


def test_json_ld_cannot_be_broken_out_of(client):
    article = make_live_article("Evil </script><script>alert(1)</script> title")

    html = html_of(client.get(article.get_absolute_url()))

    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block
    assert json_ld(html)["headline"].startswith("Evil </script>")
    assert "<script>alert(1)" not in html


# Hero image renditions ------------------------------------------------------------------------


def test_hero_image_has_webp_and_jpeg_renditions_made_once(client, settings):
    article = make_live_article(
        "Pictured",
        image=make_hero_image(size=(1600, 900)),
        image_alt="Morning light on a kitchen table",
        image_caption="A calm start to the day.",
        image_credit="Jo Bloggs",
        image_rights_holder="Jo Bloggs",
        image_licence="permission",
    )

    html = html_of(client.get(article.get_absolute_url()))

    assert '<source type="image/webp" srcset="/media/renditions/' in html
    assert 'width="1600" height="900"' in html
    assert 'alt="Morning light on a kitchen table"' in html
    assert "A calm start to the day." in html
    assert "Jo Bloggs" in html and "Used with written permission" in html
    renditions = sorted(Path(settings.MEDIA_ROOT, "renditions").iterdir())
    assert {p.suffix for p in renditions} == {".webp", ".jpg"}
    assert len(renditions) == 6
    from PIL import Image

    widths = sorted(Image.open(p).width for p in renditions if p.suffix == ".webp")
    assert widths == [480, 800, 1200]
    modified = {p: p.stat().st_mtime_ns for p in renditions}

    client.get(article.get_absolute_url())

    assert {p: p.stat().st_mtime_ns for p in renditions} == modified


def test_missing_hero_file_shows_no_image_instead_of_failing(client, settings):
    article = make_live_article(
        "Lost image", image=make_hero_image(), image_alt="x", image_credit="y"
    )
    Path(settings.MEDIA_ROOT, article.image.name).unlink()

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert "<picture>" not in html_of(response)


# Page weight ---------------------------------------------------------------------------------


def test_article_page_html_css_and_js_stay_under_60_kb(client, settings):
    from django.contrib.staticfiles import finders

    article = full_article(sources=12, body="<p>" + "Plain words for tired eyes. " * 400 + "</p>")

    html = client.get(article.get_absolute_url()).content
    assets = re.findall(rb'(?:href|src)="/static/([^"]+\.(?:css|js))"', html)
    total = len(html) + sum(Path(finders.find(a.decode())).stat().st_size for a in assets)

    assert {Path(a.decode()).suffix for a in assets} == {".css", ".js"}
    assert total < 60 * 1024, f"article page weighs {total} bytes uncompressed"


# Feeds, sitemap, robots -----------------------------------------------------------------------


def test_rss_and_atom_feeds_list_live_articles_only(client):
    make_live_article("Feed live piece")
    make_article("Feed draft piece")

    rss = client.get("/feeds/articles/")
    atom = client.get("/feeds/articles/atom/")

    assert rss["Content-Type"].startswith("application/rss+xml")
    assert atom["Content-Type"].startswith("application/atom+xml")
    for response in (rss, atom):
        body = html_of(response)
        assert "Feed live piece" in body
        assert "/articles/feed-live-piece/" in body
        assert "Feed draft piece" not in body


SITEMAP_SECTIONS = ["articles", "topics", "authors"]


def test_sitemap_lists_live_articles_topics_and_authors_with_lastmod(client):
    topic = make_topic("Sleep")
    writer = make_author("Ana Gil")
    make_live_article("Mapped piece", topics=[topic], authors=[writer])
    make_article("Unmapped draft", topics=[make_topic("Hidden topic")])

    responses = [client.get(f"/sitemap-{section}.xml") for section in SITEMAP_SECTIONS]
    body = "".join(html_of(response) for response in responses)

    assert [response.status_code for response in responses] == [200, 200, 200]
    assert "http://testserver/articles/mapped-piece/" in body
    assert "http://testserver/topics/sleep/" in body
    assert "http://testserver/authors/ana-gil/" in body
    assert "unmapped-draft" not in body and "hidden-topic" not in body
    assert body.count("<lastmod>") == 3


def test_robots_txt_allows_all_but_admin_and_links_the_sitemap(client):
    response = client.get("/robots.txt")
    body = html_of(response)

    assert response["Content-Type"].startswith("text/plain")
    assert "User-agent: *" in body
    assert "Disallow: /admin/" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body


def test_related_articles_are_drawn_once_per_page_cache_generation_and_exact(client, settings):
    settings.PAGE_CACHE = True
    topic = make_topic("Fatigue")
    article = make_live_article("Main", topics=[topic])
    make_live_article("Sibling", topics=[topic])
    url = article.get_absolute_url() + "?from=handout"  # a query string: never page-cached

    def related_part():
        with CaptureQueriesContext(connection) as queries:
            html = html_of(client.get(url))
        # The related articles' query is the page's only one through the topic links.
        reads = [q for q in queries if "articles_articleversion_topics" in q["sql"]]
        return html.split('id="related-heading"')[1], len(reads)

    first, first_reads = related_part()
    again, again_reads = related_part()
    assert "Sibling" in first and again == first
    assert (first_reads, again_reads) == (1, 0)

    make_live_article("Newer sibling", topics=[topic])  # a publish: a new generation
    assert "Newer sibling" in related_part()[0]


def test_the_article_is_drawn_once_per_generation_and_host_and_a_glossary_edit_shows(
    client, settings
):
    from glossary.models import Term

    settings.PAGE_CACHE = True
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    settings.INQUIRY_FORM_TOKEN_BUCKET_SECONDS = 3600  # one form token throughout
    article = make_live_article("Main", body="<p>Ask about your ANA result.</p>")
    url = article.get_absolute_url() + "?from=handout"  # a query string: never page-cached

    def draw(host="testserver"):
        with CaptureQueriesContext(connection) as queries:
            html = html_of(client.get(url, HTTP_HOST=host))
        return html, sum("glossary_term" in q["sql"] for q in queries)

    first, first_reads = draw()
    again, again_reads = draw()
    assert (first_reads, again_reads) == (1, 0)  # the terms are read only to draw it
    assert again == first
    # The canonical address names the host: another host's page is drawn for it.
    other, _ = draw("other.example")
    assert "http://other.example/articles/main/" in other

    Term.objects.create(term="ANA", slug="ana", definition="A blood test.")  # a new generation
    assert "A blood test." in draw()[0]


def test_the_article_is_looked_up_once_per_generation_and_an_unpublish_shows_at_once(
    client, settings
):
    settings.PAGE_CACHE = True
    article = make_live_article("Main")
    url = article.get_absolute_url() + "?from=handout"  # a query string: never page-cached

    def article_reads():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return sum('FROM "articles_article"' in q["sql"] for q in queries)

    assert article_reads() >= 1
    assert article_reads() == 0
    assert client.get("/articles/no-such-article/?from=handout").status_code == 404

    article.unpublish()  # a new generation: the kept article is not read again
    assert client.get(url).status_code == 404
