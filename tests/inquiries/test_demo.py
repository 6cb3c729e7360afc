import io

import pytest

from inquiries import demo
from inquiries.models import Channel, Inquiry, Status
from tests.factories import make_live_article, make_topic

pytestmark = pytest.mark.django_db


def test_demo_loads_without_the_demo_articles_and_a_second_run_creates_nothing():
    demo.load(io.StringIO())
    count = Inquiry.objects.count()
    assert count > 150
    out = io.StringIO()
    demo.load(out)
    assert Inquiry.objects.count() == count
    assert "already loaded" in out.getvalue()


def test_demo_spreads_questions_over_channels_statuses_and_18_months():
    demo.load(io.StringIO())
    assert set(Inquiry.objects.values_list("channel", flat=True)) >= {
        Channel.WEB, Channel.EMAIL, Channel.PHONE, Channel.EVENT,
    }  # fmt: skip
    assert set(Inquiry.objects.values_list("status", flat=True)) == set(Status.values)
    oldest = Inquiry.objects.order_by("received_at").first().received_at
    newest = Inquiry.objects.order_by("received_at").last().received_at
    assert (newest - oldest).days > 480


def test_demo_naltrexone_questions_rise_before_the_article_and_some_prompted_it():
    ldn = make_topic("Low-dose naltrexone", slug="low-dose-naltrexone")
    for name in ("Lupus", "Fibromyalgia", "Pain management"):
        make_topic(name)
    article = make_live_article("LDN and lupus", slug="low-dose-naltrexone-lupus", topics=[ldn])
    demo.load(io.StringIO())
    went_live = article.first_published_at - demo.datetime.timedelta(days=91)
    asked = ldn.inquiries.exclude(status=Status.SPAM)
    last_quarter = asked.filter(
        received_at__gte=went_live - demo.datetime.timedelta(days=90), received_at__lt=went_live
    ).count()
    year_before = asked.filter(
        received_at__gte=went_live - demo.datetime.timedelta(days=360),
        received_at__lt=went_live - demo.datetime.timedelta(days=270),
    ).count()
    assert last_quarter > 3 * max(year_before, 1)
    assert Inquiry.objects.prompted(article).count() == 6
