# The per-write demand summary is gone: the dashboard counts inquiries directly (issue 15).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("inquiries", "0004_demand_summary"),
    ]

    operations = [
        migrations.DeleteModel(name=name)
        for name in (
            "AnswerTimeDay",
            "AnswerTimeMonth",
            "CountedInquiry",
            "DemandDay",
            "DemandSummaryState",
            "TopicDemandDay",
            "TopicSetDemandDay",
        )
    ]
