from django.db import migrations


class Migration(migrations.Migration):
    """The article's live pointer, its go-live moment and its unpublished-changes flag are
    now derived from the versions' windows (see 0008)."""

    dependencies = [
        ("articles", "0008_windows_from_article_state"),
    ]

    operations = [
        migrations.RemoveField(
            model_name='article',
            name='go_live_at',
        ),
        migrations.RemoveField(
            model_name='article',
            name='has_unpublished_changes',
        ),
        migrations.RemoveField(
            model_name='article',
            name='live_version',
        ),
    ]
