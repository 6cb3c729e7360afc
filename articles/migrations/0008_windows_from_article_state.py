"""Move what readers see from the article row onto the versions, keeping what every reader
sees at migration time (and at every later moment already set): the live version's window
starts at the article's go-live moment (or its last publish) and stays open while the
article is published; an unpublished or archived article's live version gets a window
closed now, so it stays off the site. Each version's slug, topics, byline and medical
reviewer are copied from its content (the slug of versions saved before slugs were
versioned is the article's current one). Written against the historical models only."""

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    ArticleVersion = apps.get_model("articles", "ArticleVersion")
    Author = apps.get_model("articles", "Author")
    Topic = apps.get_model("articles", "Topic")
    VersionAuthor = apps.get_model("articles", "VersionAuthor")
    now = timezone.now()
    topic_ids = set(Topic.objects.values_list("pk", flat=True))
    author_ids = set(Author.objects.values_list("pk", flat=True))
    for article in Article.objects.all().iterator():
        for version in ArticleVersion.objects.filter(article=article).iterator():
            content = dict(version.content)
            content.setdefault("slug", article.slug)
            reviewer = content.get("medical_reviewer") or {}
            version.content = content
            version.slug = content["slug"]
            version.medical_reviewer_id = (
                reviewer["id"] if reviewer.get("id") in author_ids else None
            )
            if version.pk == article.live_version_id:
                version.live_from = article.go_live_at or article.last_published_at or now
                if article.status != "published":
                    version.live_until = now
                    if version.live_from > now:
                        version.live_from = now
            version.save(
                update_fields=["content", "slug", "medical_reviewer", "live_from", "live_until"]
            )
            version.topics.set(
                [t["id"] for t in content.get("topics", []) if t.get("id") in topic_ids]
            )
            VersionAuthor.objects.bulk_create(
                VersionAuthor(version=version, author_id=a["id"], order=order)
                for order, a in enumerate(content.get("authors", []))
                if a.get("id") in author_ids
            )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_versions_hold_reader_state"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
