from enum import StrEnum


class RecordErrorCode(StrEnum):
    DEVICE_UNREGISTERED = "record_device_unregistered"
    NOT_MEDIA = "record_not_media"
    TIMES = "record_times_invalid"
    ACTIVITY = "record_activity_unknown"
    OFFICER = "record_officer_not_assigned"
    DOCUMENT = "record_document_not_in_case"
    REMOTE_REASON = "record_remote_reason_required"
    RETURNED_AT = "record_returned_at_required"
    INTERRUPTION = "record_interruption_invalid"
    DUPLICATE = "record_duplicate"
    ACCESS_INVALID = "record_access_invalid"
    ACCESS_NOT_PARTY = "record_access_not_a_party"
    ACCESS_DECIDED = "record_access_already_decided"
    ACCESS_SECRET = "record_access_state_secret"
    ARCHIVED = "record_case_archived"
    NOT_SEALED = "record_case_file_not_sealed"
    RETENTION = "record_retention_not_ended"
    DISPOSAL = "record_disposal_invalid"
    DESTROYED = "record_destroyed"
    # Resumable uploads (tus): per-user quotas on unfinished uploads, and expiry.
    TUS_TOO_MANY_OPEN = "record_tus_too_many_open"
    TUS_OPEN_BYTES = "record_tus_open_bytes_exceeded"
    TUS_EXPIRED = "record_tus_expired"
    # The staged bytes changed on disk between two PATCHes (their digest no longer matches the one kept with the
    # durable offset): nothing is stored or counted (issue 19 §4).
    TUS_STAGED_ALTERED = "record_tus_staged_altered"
