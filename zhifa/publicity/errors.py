from enum import StrEnum


class PublicityErrorCode(StrEnum):
    STATE = "publicity_wrong_state"
    NO_DECISION = "publicity_no_decision_document"
    ALREADY_COLLECTED = "publicity_already_collected"
    MASK_INVALID = "publicity_mask_invalid"
    REASON_REQUIRED = "publicity_reason_required"
    MINOR = "publicity_party_is_minor"
    EXEMPTION_GROUND = "publicity_exemption_ground_invalid"
    EXEMPTION_PENDING = "publicity_exemption_pending"
    SAME_PERSON = "publicity_approver_is_editor"
    TRIGGER = "publicity_withdrawal_trigger_invalid"
    ITEM_INVALID = "publicity_item_invalid"
    IMPORT_INVALID = "publicity_import_invalid"
    REQUEST_INVALID = "publicity_request_invalid"
    REQUEST_STATE = "publicity_request_wrong_state"
    FORWARD_TARGET = "publicity_forward_target_invalid"
    REPORT_STATE = "publicity_report_wrong_state"
    REPORT_INVALID = "publicity_report_invalid"
    SEARCH_INVALID = "publicity_search_invalid"
