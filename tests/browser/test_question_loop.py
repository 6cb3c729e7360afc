"""Issue 8 in a real browser: the question -> article loop, feedback, and WCAG 2.2 details."""

import datetime

import pytest
from playwright.sync_api import expect

from articles.models import Article, ArticleAuthor, Source
from inquiries.models import ArticleFeedback, Inquiry
from tests.browser.staff_pages import log_in
from tests.factories import (
    default_disclaimer,
    make_author,
    make_live_article,
    make_staff,
    make_topic,
)

# Only a superuser signs in, so the roles a flush removes are not needed.
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def ask_on_page(page, question, **reply):
    collapsed = page.locator("details.ask-toggle:not([open]) > summary")
    if collapsed.count():  # on an article page the form starts collapsed
        collapsed.click()
    page.fill("#ask_question", question)
    if reply:
        page.check("#ask_reply_wanted")
        page.fill("#ask_name", reply["name"])
        page.fill("#ask_email", reply["email"])
        page.check("#ask_consent")
    page.click(".ask-form button[type=submit]")
    page.wait_for_url("**/ask/thanks/")


def test_questions_become_an_article_and_the_asker_is_listed_after_an_update(
    live_server, page, settings
):
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    settings.INQUIRY_CONTENT_GAP_MIN = 3
    base = live_server.url
    topic = make_topic("Hair loss")
    make_staff("root", superuser=True)

    # 1. Questions arrive on a topic that has no article.
    for n in range(3):
        page.goto(base + "/ask/")
        page.select_option("#ask_topic", str(topic.pk))
        ask_on_page(page, f"Does lupus make my hair fall out? ({n})")
    assert Inquiry.objects.filter(topics=topic).count() == 3

    # 2. The topic shows up as a gap on the dashboard.
    staff = page.context.browser.new_context().new_page()
    log_in(staff, base, "root")
    staff.goto(base + "/admin/inquiries/demandreport/")
    gap = staff.locator('#content-gaps tr[data-topic="Hair loss"]')
    expect(gap.locator("td.count")).to_have_text("3")

    # 3. A draft is started from those questions, completed and published.
    gap.get_by_role("link", name="Start a draft from these questions").click()
    staff.fill("#id_title", "Lupus and hair loss")
    staff.click("input[type=submit][value='Start the draft']")
    staff.wait_for_url("**/admin/articles/article/*/change/")
    article = Article.objects.get(title="Lupus and hair loss")
    assert list(article.topics.all()) == [topic]
    assert "Written because readers asked: inquiries" in article.editor_note
    expect(staff.locator(".prompted-by")).to_contain_text("3 inquiries")
    # The checklist's content (CKEditor typing is covered by test_editor.py).
    article.summary = "Why lupus can thin the hair, and what helps."
    article.body = "<p>Hair loss is common in lupus and often grows back.</p>"
    article.last_reviewed = datetime.date.today()
    article.disclaimer = default_disclaimer()
    article.save()
    ArticleAuthor.objects.create(article=article, author=make_author("Ada Advocate"))
    Source.objects.create(article=article, title="A review of hair loss in lupus")
    article.save_version(change_note="First draft")
    staff.reload()
    staff.click("#publish-button")  # the editor's Publish button (issue 12)
    expect(staff.locator(".messagelist")).to_contain_text("readers now see it")

    # 4. A reader asks a new question on the live page, wanting a reply.
    page.goto(base + article.get_absolute_url())
    ask_on_page(
        page, "Will it grow back after stopping steroids?", name="Rosa", email="rosa@example.org"
    )
    asked = Inquiry.objects.get(question__startswith="Will it grow back")
    # A fresh instance: refresh_from_db() keeps the live version read before publishing.
    article = Article.objects.get(pk=article.pk)
    assert asked.source_version == article.live_version

    # 5. An update with a public change note lists that reader for notification.
    article.body += "<p>New: hair usually regrows within months.</p>"
    article.save()
    article.publish(article.save_version(change_note="Added regrowth times.", note_is_public=True))
    staff.goto(base + f"/admin/articles/article/{article.pk}/change/")
    panel = staff.locator(".update-notify")
    expect(panel).to_contain_text("Added regrowth times.")
    expect(panel.locator('[data-figure="notify"]')).to_have_text("1")
    expect(panel.locator(".readers-to-notify")).to_contain_text("rosa@example.org")
    staff.context.close()


def test_feedback_is_sent_without_a_reload_and_announced(live_server, page):
    article = make_live_article("Fatigue and lupus")
    page.goto(live_server.url + article.get_absolute_url())
    page.evaluate("window.notReloaded = true")

    page.get_by_role("button", name="Yes", exact=True).click()
    status = page.locator("[data-feedback-status]")
    expect(status).to_have_text("Thank you for telling us.")
    assert status.get_attribute("aria-live") == "polite"

    page.get_by_text("Report an error").click()
    page.fill("#feedback_report", "The second source link is broken.")
    page.get_by_role("button", name="Send the report").click()
    expect(status).to_contain_text("your report has reached our team")

    assert page.evaluate("window.notReloaded") is True
    assert ArticleFeedback.objects.get().helpful
    assert Inquiry.objects.get().channel == "feedback"


def test_feedback_works_without_javascript(live_server, browser):
    article = make_live_article("Sleep and lupus")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + article.get_absolute_url())

    page.get_by_role("button", name="No", exact=True).click()
    page.wait_for_url("**?feedback=thanks#feedback")
    expect(page.locator("[data-feedback-status]")).to_have_text("Thank you for telling us.")
    assert not ArticleFeedback.objects.get().helpful
    context.close()


TARGETS = """() => [...document.querySelectorAll(
  'a[href], button, input:not([type=hidden]), select, textarea, summary')]
  .filter(el => el.offsetParent !== null && !el.closest('.ask-hp, .feedback-hp'))
  .map(el => { const r = el.getBoundingClientRect();
               return {text: (el.innerText || el.name || el.id).slice(0, 40),
                       inline: getComputedStyle(el).display === 'inline'
                               && el.closest('p, li, td, dd') !== null,
                       width: r.width, height: r.height}; })"""


@pytest.mark.parametrize("path", ["article", "/ask/", "/articles/"])
def test_reader_tap_targets_are_at_least_24_css_pixels(live_server, page, path):
    article = make_live_article("Joint pain and lupus")
    page.goto(live_server.url + (article.get_absolute_url() if path == "article" else path))
    if path == "article":
        page.get_by_text("Report an error").click()  # the report form's targets count too

    # WCAG 2.5.8 exempts links inside a sentence (inline); every other target must be 24x24.
    small = [
        t
        for t in page.evaluate(TARGETS)
        if not t["inline"] and (t["width"] < 24 or t["height"] < 24)
    ]
    assert small == []


def test_help_and_the_ask_link_are_in_the_same_place_on_every_page(live_server, page):
    article = make_live_article("Consistent help")
    positions = []
    for path in ["/", "/articles/", article.get_absolute_url(), "/ask/", "/no-such-page/"]:
        page.goto(live_server.url + path)
        nav = page.locator("header.site-header nav a.nav-ask")
        footer = page.locator("footer .footer-help a", has_text="Ask a question")
        expect(nav).to_have_attribute("href", "/ask/")
        expect(footer).to_have_attribute("href", "/ask/")
        order = page.evaluate(
            "() => [...document.querySelectorAll('header.site-header nav a')]"
            ".map(a => a.textContent.trim())"
        )
        positions.append((order, nav.bounding_box()["y"]))
    assert all(p == positions[0] for p in positions)


def test_an_expired_question_form_keeps_the_text_and_can_be_sent_again(live_server, page, settings):
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    settings.INQUIRY_MAX_FORM_AGE_SECONDS = 1
    page.goto(live_server.url + "/ask/")
    text = "A long question typed slowly over several minutes about my medicines."
    page.fill("#ask_question", text)
    page.wait_for_timeout(2100)

    page.click(".ask-form button[type=submit]")

    expect(page.locator("#ask-errors")).to_contain_text("Your text is still here")
    assert page.locator("#ask_question").input_value() == text
    settings.INQUIRY_MAX_FORM_AGE_SECONDS = 60
    page.click(".ask-form button[type=submit]")
    page.wait_for_url("**/ask/thanks/")
    assert Inquiry.objects.get().question == text
