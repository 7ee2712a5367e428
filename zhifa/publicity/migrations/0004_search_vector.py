"""PostgreSQL: the full-text words as a stored tsvector column with its GIN index, instead of an index over
an expression (search.py says why). SQLite keeps its FTS5 table; nothing changes there."""

from django.db import migrations

from zhifa.publicity import search


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in search.PG_VECTOR_CREATE:
            schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in search.PG_VECTOR_DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("publicity", "0003_request_about_agency")]
    operations = [migrations.RunPython(create, drop)]
