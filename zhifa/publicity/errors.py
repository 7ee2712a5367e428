from enum import StrEnum


class PublicityErrorCode(StrEnum):
    # A wrong state is core's one code (wrong_state, 409; core.workflow). The decision behind an item that may not
    # be published yet (its review has not passed) is a condition of the case, not of the item.
    NOT_PUBLISHABLE = "publicity_decision_not_publishable"
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
    FORWARD_TARGET = "publicity_forward_target_invalid"
    # Anonymous submissions (issue 14 §2): attachment limits and rate limits.
    ATTACHMENTS_TOO_MANY = "publicity_attachments_too_many"
    ATTACHMENT_TOO_LARGE = "publicity_attachment_too_large"
    ATTACHMENTS_TOO_LARGE = "publicity_attachments_total_too_large"
    ATTACHMENT_TYPE = "publicity_attachment_type_refused"
    ATTACHMENT_CHANGED = "publicity_attachment_changed"
    ATTACHMENT_DECIDED = "publicity_attachment_already_decided"
    ATTACHMENT_DECISION = "publicity_attachment_decision_invalid"
    QUARANTINE_FULL = "publicity_quarantine_full"
    RATE_ADDRESS = "publicity_request_rate_address"
    RATE_GLOBAL = "publicity_request_rate_global"
    LOOKUP_RATE = "publicity_request_lookup_rate"
    REPORT_INVALID = "publicity_report_invalid"
    SEARCH_INVALID = "publicity_search_invalid"
    # Lifting masks (issue 15 §3; workflow.MASK_LIFT).
    MASK_LOCKED = "publicity_mask_cannot_be_lifted"
    MASK_MINOR = "publicity_mask_of_minor"
    MASK_LEGAL_BASIS = "publicity_mask_legal_basis_required"
    MASK_REMOVAL_PENDING = "publicity_mask_removal_pending"
    MASK_REMOVAL_DECIDED = "publicity_mask_removal_decided"
    MASK_REMOVAL_SAME_PERSON = "publicity_mask_removal_same_person"
