"""Search inside an area (issue 19 §3; docs/adr/0013-search-flat-in-area.md): the (path, newest first) index of
published items, on both databases, and on PostgreSQL one GIN over the path and the words (btree_gin) in place of
migration 0004's GIN over the words alone. SQLite keeps its FTS5 table.

Not atomic: on PostgreSQL the GIN is built CONCURRENTLY, so a province's table is not locked against publication
while it builds (minutes at ten million rows). btree_gin is a trusted extension (PostgreSQL 13+): the database's
owner may create it."""

from django.db import migrations, models

from zhifa.publicity import search


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in search.PG_AREA_CREATE:
            schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in search.PG_AREA_DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("publicity", "0009_mask_removal_requests")]
    operations = [
        migrations.AddIndex(
            model_name="publication",
            index=models.Index(condition=models.Q(("state", "published")), fields=["jurisdiction_path", "-published_at", "-id"],
                               name="pub_area_recent"),
        ),
        migrations.RunPython(create, drop),
    ]
