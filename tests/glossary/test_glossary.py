import urllib.robotparser

import pytest

from articles.cache import STATE_KEY
from glossary.markup import mark_terms
from glossary.models import Term
from tests.factories import make_live_article

pytestmark = pytest.mark.django_db


def make_term(term="ANA", definition="A blood test.", synonyms="antinuclear antibody"):
    return Term.objects.create(
        term=term, slug=term.lower(), definition=definition, synonyms=synonyms
    )


def test_first_use_of_a_term_opens_its_definition_in_place(client):
    make_term()
    make_live_article(
        "Tests",
        body="<p>Your ANA test.</p><p>A second ANA.</p><p><a href='https://a.org/'>ANA</a></p>",
    )
    html = client.get("/articles/tests/").content.decode()
    assert html.count('popovertarget="term-ana">ANA</button>') == 1
    assert '<span class="term-definition" id="term-ana" popover role="note">' in html
    assert "A blood test." in html and 'href="/glossary/#ana"' in html


def test_synonyms_match_and_capital_abbreviations_match_only_as_written():
    term = make_term(synonyms="antinuclear antibody")
    assert "popovertarget" in mark_terms("<p>An Antinuclear antibody test.</p>", [term])
    assert "popovertarget" not in mark_terms("<p>Banana and ana.</p>", [term])
    assert "popovertarget" in mark_terms("<p>An antinuclear\n  antibody.</p>", [term])


def test_terms_inside_links_and_headings_stay_plain():
    term = make_term()
    html = '<h2>ANA</h2><p><a href="https://a.org/">ANA</a></p>'
    assert mark_terms(html, [term]) == html


def test_definitions_are_escaped():
    term = make_term(definition="<script>alert(1)</script>")
    assert "<script>" not in mark_terms("<p>ANA</p>", [term])


def test_glossary_page_lists_every_term(client):
    make_term()
    make_term("Flare", "When symptoms get worse.", "flares")
    html = client.get("/glossary/").content.decode()
    assert '<div class="glossary-entry" id="ana"' in html and "When symptoms get worse." in html
    assert '<meta property="og:title" content="Words explained">' in html


def test_editing_a_term_clears_the_reader_page_cache(django_capture_on_commit_callbacks):
    from django.core.cache import cache

    cache.set(STATE_KEY, {"generation": "x"})
    with django_capture_on_commit_callbacks(execute=True):
        make_term()
    assert cache.get(STATE_KEY) is None


def test_demo_ships_a_dozen_terms():
    from io import StringIO

    from glossary import demo

    demo.load(StringIO())
    demo.load(StringIO())
    assert Term.objects.count() == 12
    terms = [term.term for term in Term.objects.for_reader_pages()]
    assert {"ANA", "anti-dsDNA", "Nephritis", "Off-label", "Compounding pharmacy"} <= set(terms)
    assert terms[:3] == ["ANA", "anti-dsDNA", "Autoimmune disease"]  # alphabetical, any case


def test_robots_txt_keeps_first_match_parsers_out_of_admin(client):
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(client.get("/robots.txt").content.decode().splitlines())
    assert not parser.can_fetch("*", "/admin/")
    assert parser.can_fetch("*", "/articles/")


def test_pages_other_than_articles_have_open_graph_tags(client):
    html = client.get("/").content.decode()
    assert '<meta property="og:type" content="website">' in html
    assert '<meta name="twitter:card" content="summary">' in html


def test_editors_manage_the_glossary_and_authors_may_read_it(client):
    from tests.factories import make_staff

    make_staff("edith", "Editors")
    make_staff("arthur", "Authors")
    client.login(username="edith", password="correct horse battery staple")
    assert client.get("/admin/glossary/term/add/").status_code == 200
    client.login(username="arthur", password="correct horse battery staple")
    assert client.get("/admin/glossary/term/").status_code == 200
    assert client.get("/admin/glossary/term/add/").status_code == 403
