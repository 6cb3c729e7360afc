"""Whatever writes the inquiries (the admin, the ORM's bulk_create, update and through-table
deletes, raw SQL, an import), the dashboard shows the direct count (direct_figures.py) for
every period: it has no figures of its own to keep up to date."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from articles.models import Topic
from inquiries.models import Inquiry, Status
from ldn_portal.content_backup import export_content, import_content
from tests.factories import make_inquiry, make_live_article, make_topic
from tests.inquiries.direct_figures import assert_page_exact

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/inquiries/demandreport/"
CHANGELIST = "/admin/inquiries/inquiry/"
DAY = datetime.timedelta(days=1)


def test_every_write_path_shows_the_direct_count(admin_client):
    now = timezone.now()
    # An import into an empty database.
    lupus, ldn = make_topic("Lupus"), make_topic("Low-dose naltrexone")
    for days, topics in [(2, [lupus]), (20, [lupus, ldn]), (100, [ldn]), (3, [])]:
        make_inquiry(received_at=now - days * DAY, topics=topics)
    document = export_content()
    Inquiry.objects.all().delete()
    Topic.objects.all().delete()
    import_content(document)
    assert Inquiry.objects.count() == 4
    lupus, ldn = Topic.objects.get(name="Lupus"), Topic.objects.get(name="Low-dose naltrexone")
    make_live_article("LDN and lupus", topics=[ldn])
    assert_page_exact(admin_client)

    # The admin's add form.
    response = admin_client.post(
        f"{CHANGELIST}add/",
        {
            "channel": "email",
            "received_at_0": (now - 5 * DAY).strftime("%Y-%m-%d"),
            "received_at_1": "10:00:00",
            "question": "Does LDN help with lupus fatigue?",
            "topics": [lupus.pk, ldn.pk],
            "status": Status.ANSWERED,
            "answered_at_0": (now - 4 * DAY).strftime("%Y-%m-%d"),
            "answered_at_1": "09:00:00",
            "related_article_role": "",
            "reply_wanted": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert_page_exact(admin_client)

    # The ORM: bulk_create of inquiries and of their topic links (no signals).
    created = Inquiry.objects.bulk_create(
        [Inquiry(question=f"Question {n}", received_at=now - n * 7 * DAY) for n in range(1, 6)]
    )
    through = Inquiry.topics.through
    through.objects.bulk_create([through(inquiry_id=i.pk, topic_id=lupus.pk) for i in created])
    assert_page_exact(admin_client)

    # The ORM: update(), which is a plain UPDATE again.
    Inquiry.objects.filter(pk=created[0].pk).update(status=Status.SPAM)
    Inquiry.objects.filter(pk=created[1].pk).update(received_at=now - 300 * DAY)
    Inquiry.objects.filter(pk=created[2].pk).update(status=Status.ANSWERED, answered_at=now - DAY)
    assert_page_exact(admin_client)

    # The ORM: deletes on the through table.
    through.objects.filter(inquiry_id__in=[i.pk for i in created[2:4]]).delete()
    assert_page_exact(admin_client)

    # Raw SQL.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO inquiries_inquiry_topics (inquiry_id, topic_id) VALUES (%s, %s)",
            [created[3].pk, ldn.pk],
        )
        cursor.execute(
            "UPDATE inquiries_inquiry SET received_at = %s WHERE id = %s",
            [now - 45 * DAY, created[4].pk],
        )
    assert_page_exact(admin_client)
    assert admin_client.get(DASHBOARD, {"days": 365}).context["total"] == 9
