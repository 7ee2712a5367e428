from django.contrib import admin

from zhifa.core.admin import ReadOnlyAdmin

from .models import Blob, Checkpoint, Entry, Finding


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    """Entries without their payloads. A payload about a case carries its records (a document's elements), and
    administrators are trusted with accounts, not case content (issue 14, review #1): payloads are read on the
    ledger page and API, through ledger.selectors.entry_read_for: scoped by subject, then the consultation check."""

    list_display = ("id", "kind", "subject", "actor", "at")
    list_filter = ("kind",)
    search_fields = ("subject",)
    exclude = ("payload",)


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ("size", "created_at", "key")


@admin.register(Blob)
class BlobAdmin(ReadOnlyAdmin):
    list_display = ("sha256", "size", "content_type", "created_at")
    search_fields = ("sha256",)


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ("found_at", "kind", "detail")
