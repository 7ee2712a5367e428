from django.core.management.base import BaseCommand, CommandError

from zhifa.core.errors import ZhifaError
from zhifa.org.selectors import jurisdiction_get
from zhifa.rules.services import RULESET_DIR, ruleset_apply


class Command(BaseCommand):
    help = "Apply a shipped rule set (national, im-m, az) at a jurisdiction (by division code)."

    def add_arguments(self, parser):
        parser.add_argument("ruleset", choices=sorted(p.stem for p in RULESET_DIR.glob("*.json")))
        parser.add_argument("--jurisdiction", help="division code; default: the set's own (none for national)")

    def handle(self, *args, ruleset, jurisdiction, **options):
        try:
            node = jurisdiction_get(code=jurisdiction) if jurisdiction else None
            created = ruleset_apply(name=ruleset, jurisdiction=node)
        except ZhifaError as exc:
            raise CommandError(exc.message) from exc
        where = node.name if node else "its default node"
        self.stdout.write(self.style.SUCCESS(f"{ruleset}: {len(created)} rule version(s) created at {where}."))
