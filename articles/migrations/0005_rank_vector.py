import django.contrib.postgres.search
from django.db import migrations

# The rank vector's GIN index and its values exist on PostgreSQL only, like the search
# vector's (0002): SQLite searches with a plain fallback and leaves the column empty.
CREATE_INDEX = (
    "CREATE INDEX IF NOT EXISTS articleversion_rank_gin "
    "ON articles_articleversion USING gin (rank_vector)"
)
DROP_INDEX = "DROP INDEX IF EXISTS articleversion_rank_gin"


def _weighted(text, weight):
    return (
        f"setweight(to_tsvector('english', COALESCE({text}, '')), '{weight}') || "
        f"setweight(to_tsvector('simple', COALESCE({text}, '')), '{weight}')"
    )


# What articles.search.update_search_vector stores, from the same content: the snapshot's
# topic names, then the current synonyms of those topics (commas as spaces).
_TOPIC_TEXT = """replace(concat_ws(' ',
    (SELECT string_agg(topic->>'name', ' ' ORDER BY position)
     FROM jsonb_array_elements(v.content->'topics') WITH ORDINALITY AS t (topic, position)),
    (SELECT string_agg(search_synonyms, ' ' ORDER BY name) FROM articles_topic
     WHERE id IN (SELECT (topic->>'id')::bigint
                  FROM jsonb_array_elements(v.content->'topics') AS t (topic)))
), ',', ' ')"""
# Only fixed SQL pieces from this module: no outside input reaches the statement.
FILL = "UPDATE articles_articleversion v SET rank_vector = " + " || ".join(  # noqa: S608
    [
        _weighted("v.content->>'title'", "A"),
        _weighted(_TOPIC_TEXT, "A"),
        _weighted("v.content->>'summary'", "B"),
    ]
)


def create_index_and_fill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FILL)
        schema_editor.execute(CREATE_INDEX)
        # The planner chooses between the index and a walk newest first from these figures.
        schema_editor.execute("ANALYZE articles_articleversion")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_INDEX)


class Migration(migrations.Migration):
    dependencies = [("articles", "0004_closing_the_loop")]

    operations = [
        migrations.AddField(
            model_name="articleversion",
            name="rank_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(create_index_and_fill, drop_index),
    ]
