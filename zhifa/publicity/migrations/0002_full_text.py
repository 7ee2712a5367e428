"""The full-text index of published items: an FTS5 table on SQLite, a GIN expression index on PostgreSQL
(search.py explains why jieba cuts the words first)."""

from django.db import migrations

from zhifa.publicity import search


def create(apps, schema_editor):
    sql = search.SQLITE_CREATE if schema_editor.connection.vendor == "sqlite" else search.PG_CREATE
    schema_editor.execute(sql)


def drop(apps, schema_editor):
    sql = search.SQLITE_DROP if schema_editor.connection.vendor == "sqlite" else search.PG_DROP
    schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("publicity", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
