from django.db import migrations, models
from django.utils import timezone


def date_from_assignment(apps, schema_editor):
    """Numbers given before the date was stored: their day of assignment is the day of the first issue."""
    DocumentNumber = apps.get_model("cases", "DocumentNumber")
    for record in DocumentNumber.objects.filter(issued_on__isnull=True):
        # Append-only in the application; a migration fills the new column once.
        DocumentNumber.objects.filter(pk=record.pk).update(issued_on=timezone.localdate(record.assigned_at))


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0006_document_number_and_legal_representative"),
    ]

    operations = [
        migrations.AddField(
            model_name="documentnumber",
            name="issued_on",
            field=models.DateField(null=True, verbose_name="成文日期"),
        ),
        migrations.RunPython(date_from_assignment, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="documentnumber",
            name="issued_on",
            field=models.DateField(verbose_name="成文日期"),
        ),
        migrations.AddField(
            model_name="documentrendition",
            name="pages",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="页数"),
        ),
    ]
