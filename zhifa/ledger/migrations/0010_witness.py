"""Witnesses (issue 16): the witness's state per (witness key, log), changed only by compare-and-swap, and the
cosignatures the log collected from its witnesses (append-only in the ORM)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0004_erasure'),
    ]

    operations = [
        migrations.CreateModel(
            name='WitnessState',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('witness', models.CharField(help_text="the witness's verifier key (vkey, type 0x04)", max_length=300)),
                ('origin', models.CharField(max_length=300)),
                ('size', models.BigIntegerField(default=0)),
                ('root', models.BinaryField(max_length=32)),
                ('note', models.TextField(blank=True, help_text="the latest cosigned checkpoint: the log's note with this witness's cosignature appended (served to monitors)")),
                ('updated_at', models.DateTimeField()),
            ],
            options={
                'verbose_name': '见证状态',
                'verbose_name_plural': '见证状态',
                'constraints': [models.UniqueConstraint(fields=('witness', 'origin'), name='ledger_witnessstate_unique')],
            },
        ),
        migrations.CreateModel(
            name='WitnessCosignature',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('witness', models.CharField(help_text="the witness's verifier key (vkey, type 0x04)", max_length=300)),
                ('name', models.CharField(max_length=200)),
                ('timestamp', models.BigIntegerField(help_text='POSIX time in the cosignature')),
                ('line', models.TextField(help_text='the signature line, as appended to the checkpoint')),
                ('received_at', models.DateTimeField(auto_now_add=True)),
                ('checkpoint', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='cosignatures', to='ledger.checkpoint')),
            ],
            options={
                'verbose_name': '见证人副署',
                'verbose_name_plural': '见证人副署',
                'ordering': ['-checkpoint__size', 'name'],
                'constraints': [models.UniqueConstraint(fields=('checkpoint', 'witness'), name='ledger_cosignature_unique')],
            },
        ),
    ]
