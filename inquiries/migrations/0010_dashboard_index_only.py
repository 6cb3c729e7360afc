# The demand dashboard counts a period's inquiries and their median wait from these indexes
# alone (index-only scans on PostgreSQL).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inquiries', '0009_editor_notes_without_questions'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='inquiry',
            name='inquiry_received',
        ),
        migrations.RemoveIndex(
            model_name='inquiry',
            name='inquiry_answered',
        ),
        migrations.AddIndex(
            model_name='inquiry',
            index=models.Index(fields=['-received_at', 'status', 'id'], name='inquiry_received'),
        ),
        migrations.AddIndex(
            model_name='inquiry',
            index=models.Index(condition=models.Q(('answered_at__isnull', False)), fields=['answered_at', 'received_at', 'status'], name='inquiry_answered'),
        ),
    ]
