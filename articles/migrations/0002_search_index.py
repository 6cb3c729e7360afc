from django.db import migrations

# The GIN index exists on PostgreSQL only: SQLite has no full-text index of this kind and
# searches with a plain fallback. Declared here rather than in Meta.indexes for that reason.
CREATE = (
    "CREATE INDEX IF NOT EXISTS articleversion_search_gin "
    "ON articles_articleversion USING gin (search_vector)"
)
DROP = "DROP INDEX IF EXISTS articleversion_search_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
