"""A reader on a phone opens the LDN article, then the same page drawn again within the page
cache generation (as when its copy ends with its form token's bucket): the article, its meta
and related articles come from the parts kept for the generation, the forms are drawn anew
(issue 16). The reader sees the same article, a question form that opens, and related
articles that open."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.screenshots import shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ARTICLE = "/articles/low-dose-naltrexone-lupus/"
RELATED_TITLES = "section.related .card-title a"


@pytest.fixture
def demo_site(live_server, settings):
    settings.PAGE_CACHE = True
    call_command("load_demo", stdout=io.StringIO())
    return live_server.url


def test_a_phone_reader_gets_the_same_article_when_it_is_drawn_again_from_kept_parts(
    demo_site, page
):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(demo_site + ARTICLE)
    title = page.locator("h1#article-title").inner_text()
    article = page.locator("article.article").inner_text()
    related = page.locator(RELATED_TITLES).all_inner_texts()
    assert related, "the demo article has related articles"
    shot(page, "drawn-again-1-first", full_page=True)

    # A query string: never served from the page cache, so the page is drawn again.
    page.goto(demo_site + ARTICLE + "?from=handout")
    expect(page.locator("h1#article-title")).to_have_text(title)
    assert page.locator("article.article").inner_text() == article
    assert page.locator(RELATED_TITLES).all_inner_texts() == related
    page.get_by_text("Ask us a question about this article").click()
    expect(page.get_by_label("Your question")).to_be_visible()
    shot(page, "drawn-again-2-again", full_page=True)

    page.locator(RELATED_TITLES).first.click()
    expect(page).to_have_url(re.compile(r"/articles/[\w-]+/$"))
    expect(page.locator("h1#article-title")).to_have_text(related[0])
