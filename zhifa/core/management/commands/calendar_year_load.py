import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhifa.core.errors import ZhifaError
from zhifa.core.services import calendar_year_load


class Command(BaseCommand):
    help = (
        "Load one year's official holiday arrangement from a JSON file: "
        '{"year": 2027, "source": "国办发明电〔2026〕N号", "holidays": ["2027-01-01", ...], "workdays": ["2027-02-07", ...]}'
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file, **options):
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            row = calendar_year_load(year=int(data["year"]), holidays=data["holidays"], workdays_=data.get("workdays", []),
                                     source=data["source"], actor=None)
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        except ZhifaError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"{row.year}: {len(row.holidays)} days off, {len(row.workdays)} make-up days loaded."))
