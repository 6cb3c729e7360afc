# PostgreSQL only: the demand dashboard's day view (inquiries/demand.py reads it), filled now
# and refreshed by `manage.py refresh_demand_counts`, which recreates it from CREATE when
# TIME_ZONE changes. Migrations do not import app code.

from django.conf import settings
from django.db import migrations

CREATE = (
    """CREATE MATERIALIZED VIEW inquiries_demand_day AS
    SELECT day, CASE WHEN GROUPING(topic) = 1 THEN -1 ELSE COALESCE(topic, 0) END AS topic_id,
        COUNT(DISTINCT id) AS inquiries, now() AS counted_at, %(zone)s::text AS time_zone
    FROM (
        SELECT (i.received_at AT TIME ZONE %(zone)s)::date AS day, i.id, l.topic_id AS topic
        FROM inquiries_inquiry i LEFT JOIN inquiries_inquiry_topics l ON l.inquiry_id = i.id
        WHERE i.status <> 'spam'
    ) AS counted
    GROUP BY GROUPING SETS ((day, topic), (day))""",
    "CREATE UNIQUE INDEX inquiries_demand_day_key ON inquiries_demand_day (day, topic_id)",
)


def create_view(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            for statement in CREATE:
                cursor.execute(statement, {"zone": settings.TIME_ZONE})


def drop_view(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP MATERIALIZED VIEW inquiries_demand_day")


class Migration(migrations.Migration):
    dependencies = [
        ("inquiries", "0005_drop_demand_summary"),
    ]

    operations = [migrations.RunPython(create_view, drop_view)]
