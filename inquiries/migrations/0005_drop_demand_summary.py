# The per-write demand summary is gone: the dashboard counts inquiries directly (issue 15).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inquiries", "0004_demand_summary"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="inquiry",
            index=models.Index(
                condition=models.Q(("answered_at__isnull", True), ("reply_wanted", True)),
                fields=["status"],
                name="inquiry_awaiting_reply",
            ),
        ),
    ] + [
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
