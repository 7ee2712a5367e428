from enum import StrEnum


class LedgerErrorCode(StrEnum):
    UNKNOWN_KIND = "ledger_unknown_event_kind"
    DISPOSAL_REFUSED = "ledger_disposal_refused"
    BAD_PAYLOAD = "ledger_bad_payload"
    NO_SUCH_LEAF = "ledger_no_such_leaf"
    BAD_TREE_SIZE = "ledger_bad_tree_size"
    NO_CHECKPOINT = "ledger_no_checkpoint"
    KEY = "ledger_key_invalid"
    EMPTY_FILE = "evidence_empty_file"
    ERASURE_REFUSED = "ledger_erasure_refused"
    IDENTIFIER_IN_PAYLOAD = "ledger_identifier_in_payload"
    SIGNING_REFUSED = "ledger_signing_refused"
    SEQUENCER_ONLY = "ledger_sequencer_only"
