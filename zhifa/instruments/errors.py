from enum import StrEnum


class InstrumentErrorCode(StrEnum):
    # A wrong state is core's one code (wrong_state, 409; core.workflow).
    KIND_INVALID = "instrument_kind_invalid"
    ORDER_INVALID = "instrument_order_invalid"
    TEXT_REQUIRED = "instrument_text_required"
    NOT_BUREAU = "instrument_issuer_not_justice_bureau"
    NOT_SUPERVISED = "instrument_agency_not_supervised"
    AGENCY_IS_BUREAU = "instrument_agency_is_justice_bureau"
    CASE_NOT_OF_AGENCY = "instrument_case_not_of_agency"
    TALK_INVALID = "instrument_summons_record_invalid"
    FILES_REQUIRED = "instrument_report_files_required"
    FILES_TOO_MANY = "instrument_report_files_too_many"
    REVIEW_NOT_ALLOWED = "instrument_review_not_allowed"
    REVIEW_LATE = "instrument_review_request_late"
    OUTCOME_INVALID = "instrument_review_outcome_invalid"
    ALERT_INVALID = "instrument_alert_not_of_agency"
    MODEL_NOT_OF_ALERT = "instrument_model_not_of_alert"
