from enum import StrEnum


class CockpitErrorCode(StrEnum):
    # No signed checkpoint yet: a batch must be verifiable against one (SUP-03).
    NO_CHECKPOINT = "cockpit_export_no_checkpoint"
    # since_seq outside 0 … the latest checkpoint's tree size.
    BAD_SINCE_SEQ = "cockpit_export_bad_since_seq"
