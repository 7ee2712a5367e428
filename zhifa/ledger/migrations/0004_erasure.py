"""Erasure of a log entry's payload (issue 15 §5): the Erasure table (append-only like every ledger table) and the
entry table's trigger rewritten so that the one UPDATE it allows is an erasure — payload set to '' with every other
column unchanged, once the entry's Erasure row exists (_triggers.py; PostgreSQL and SQLite)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from . import _triggers


def triggers(apps, schema_editor):
    _triggers.create(schema_editor.connection)  # the erasure table's triggers, and the entry table's guard


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0003_blob_disposal'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Erasure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('basis', models.TextField(help_text='the retention rule or legal order that requires it', verbose_name='删除依据')),
                ('at', models.DateTimeField(auto_now_add=True)),
                ('actor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('entry', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='erasure', to='ledger.entry')),
                ('log_entry', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.entry')),
            ],
            options={
                'verbose_name': '日志内容删除记录',
                'verbose_name_plural': '日志内容删除记录',
            },
        ),
        # No reverse: a log migrated back would lose the record of who erased what.
        migrations.RunPython(triggers, migrations.RunPython.noop),
    ]
