import datetime as dt

import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def give_open_uploads_a_full_term(apps, schema_editor):
    """Uploads already in progress when this runs get the whole expiry period from now, not from their creation."""
    TusUpload = apps.get_model("records", "TusUpload")
    hours = getattr(settings, "ZHIFA_TUS_EXPIRY_HOURS", 24)
    TusUpload.objects.update(expires_at=django.utils.timezone.now() + dt.timedelta(hours=hours))


class Migration(migrations.Migration):

    dependencies = [
        ("records", "0006_case_file_seal_disposal"),
    ]

    operations = [
        migrations.AddField(
            model_name="tusupload",
            name="expires_at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.RunPython(give_open_uploads_a_full_term, migrations.RunPython.noop),
    ]
