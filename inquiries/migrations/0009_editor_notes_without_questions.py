"""Drafts started from questions before the editor's note stopped quoting them: the note named
each question in the reader's words, which authors (who may not read questions) could see.
Rewrite those notes the way start_draft writes them now, by inquiry number only."""

import re

from django.db import migrations

HEADER = "Written because readers asked:\n"
LINE = re.compile(r"^- .* \(inquiry (\d+)\)$")


def numbers_only(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    for article in Article.objects.filter(editor_note__startswith=HEADER).only("editor_note"):
        lines = article.editor_note[len(HEADER) :].splitlines()
        ids = [match.group(1) for match in map(LINE.match, lines) if match]
        if not ids or len(ids) != len(lines):
            continue  # not a note start_draft wrote, or edited since: left as it is
        article.editor_note = (
            "Written because readers asked: inquiries "
            + ", ".join(ids)
            + ". Staff who may read reader questions find them under “Prompted by” on this page."
        )
        article.save(update_fields=["editor_note"])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0011_article_main_topic"),
        ("inquiries", "0008_article_suggestion"),
    ]

    operations = [migrations.RunPython(numbers_only, migrations.RunPython.noop)]
