import pytest

from tests.factories import make_live_article

pytestmark = pytest.mark.django_db

BODY = (
    "<p>Intro claim [1].</p><h2>What it is</h2><p>Text [2] and [9].</p>"
    "<h2>How it works</h2><p>More.</p><h3>Detail</h3><h2>What it is</h2><p>End [1].</p>"
)


def page(client, **fields):
    make_live_article("Reader page", sources=2, **fields)
    return client.get("/articles/reader-page/").content.decode()


def test_on_this_page_lists_the_sections_when_there_are_three(client):
    html = page(client, body=BODY)
    assert '<nav class="on-this-page no-print" aria-labelledby="on-this-page-heading">' in html
    assert '<a href="#what-it-is">What it is</a>' in html
    assert '<a href="#what-it-is-2">What it is</a>' in html  # repeated headings get unique ids
    assert '<h2 id="how-it-works" tabindex="-1">How it works</h2>' in html
    assert 'href="#detail"' not in html  # sections only, not sub-sections


def test_no_on_this_page_for_short_articles(client):
    assert "on-this-page" not in page(client, body="<h2>A</h2><p>x</p><h2>B</h2>")


def test_citation_markers_link_to_the_source_and_back(client):
    html = page(client, body=BODY)
    assert '<a href="#source-1" id="cite-1" aria-label="Source 1">[1]</a>' in html
    assert '<a href="#source-1" aria-label="Source 1">[1]</a>' in html  # second use: no id
    assert "[9]" in html and 'href="#source-9"' not in html  # no 9th source: left as text
    assert 'href="#cite-1" aria-label="Back to where source 1 is cited">Back to text</a>' in html
    assert 'href="#cite-2"' in html


def test_each_notice_appears_once_on_an_article_page(client):
    html = page(client)
    assert html.count("Images on this site belong to") == 1
    assert html.count("not a replacement for advice") == 1  # the article's disclaimer
    assert "They do not replace advice" not in html  # so not the footer's as well
    assert html.count("In an emergency, call your local emergency number now") == 2
    # The second one is inside the collapsed question form, shown only when it is opened.
    ask = html.index('<details class="ask-toggle no-print" id="ask">')
    assert html.index("In an emergency, call your local emergency number now", ask) < html.index(
        "</details>", html.index('id="ask-article-heading"')
    )


def test_question_form_is_collapsed_behind_a_clear_summary(client):
    html = page(client)
    assert "<summary>Ask us a question about this article</summary>" in html
    assert 'action="/ask/"' in html  # the form itself is unchanged and works without JavaScript


def test_handout_header_carries_the_organization_and_address(client, settings):
    html = page(client)
    assert f'<p class="print-only print-organization">{settings.ORGANIZATION_NAME}</p>' in html
    assert "Printed from http://testserver/articles/reader-page/" in html
