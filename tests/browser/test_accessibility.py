"""WCAG 2.2 AA on the reader pages, checked in headless Chromium with axe-core.

axe-core comes from axe-playwright-python (pinned in requirements-dev.txt).
"""

import pytest
from django.core.management import call_command

from tests.browser.axe import axe_violations

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ARTICLE = "/articles/low-dose-naltrexone-lupus/"
READER_PAGES = [
    "/",
    "/articles/",
    "/articles/?q=naltrexone",
    "/articles/?q=xylophone",
    "/topics/low-dose-naltrexone/",
    "/authors/{author}/",
    ARTICLE,
    "/ask/",
    f"/ask/?article={ARTICLE.split('/')[2]}",
]


@pytest.fixture
def demo_site(live_server):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    from articles.models import Article

    article = Article.objects.get(slug="low-dose-naltrexone-lupus")
    author = article.live_version.content["authors"][0]["slug"]
    return live_server.url, author


@pytest.mark.parametrize("path", READER_PAGES)
def test_reader_page_has_no_axe_violations(demo_site, page, path):
    base, author = demo_site
    response = page.goto(base + path.format(author=author))

    assert response.status == 200
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", READER_PAGES)
def test_no_sideways_scrolling_at_320_css_pixels(demo_site, page, path):
    base, author = demo_site
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(base + path.format(author=author))

    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


# Inline links in a sentence are exempt from WCAG 2.5.8 (target size); everything else counts.
TARGET_SIZES = """
() => [...document.querySelectorAll('a[href], button, input, select, textarea, summary')]
  .filter(el => el.offsetParent !== null && !el.closest('.skip-link'))
  .filter(el => !(el.tagName === 'A' &&
                  el.parentElement.textContent.trim() !== el.textContent.trim()))
  .map(el => {
    const r = el.getBoundingClientRect();
    return {text: (el.textContent || el.name || '').trim().slice(0, 40),
            width: r.width, height: r.height};
  })
"""


@pytest.mark.parametrize("path", ["/", "/articles/", ARTICLE, "/topics/low-dose-naltrexone/"])
def test_every_tap_target_is_at_least_24_css_pixels(demo_site, page, path):
    base, _ = demo_site
    page.set_viewport_size({"width": 375, "height": 700})
    page.goto(base + path)

    small = [t for t in page.evaluate(TARGET_SIZES) if t["width"] < 24 or t["height"] < 24]
    assert small == []


def test_body_text_is_at_least_18_css_pixels(demo_site, page):
    base, _ = demo_site
    page.goto(base + ARTICLE)

    sizes = page.evaluate(
        "[...document.querySelectorAll('.prose p, .prose li, .sources li')]"
        ".map(el => parseFloat(getComputedStyle(el).fontSize))"
    )
    assert sizes and min(sizes) >= 18


def test_focus_is_clearly_visible(demo_site, page):
    base, _ = demo_site
    page.goto(base + ARTICLE)

    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    style = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth), s.boxShadow]; })()"
    )
    assert style[0] == "solid" and style[1] >= 2
    assert style[2] != "none"


def test_reduced_motion_switches_off_animation_and_smooth_scrolling(demo_site, browser):
    base, _ = demo_site
    context = browser.new_context(reduced_motion="reduce")
    try:
        page = context.new_page()
        page.goto(base + ARTICLE)
        assert page.evaluate("matchMedia('(prefers-reduced-motion: reduce)').matches")
        styles = page.evaluate(
            "[...document.querySelectorAll('a, button')].map(el => getComputedStyle(el))"
            ".map(s => [s.transitionDuration, s.animationName])"
        )
        assert all(duration in ("0s", "") and name == "none" for duration, name in styles)
        assert page.evaluate("getComputedStyle(document.documentElement).scrollBehavior") == "auto"
    finally:
        context.close()
