from enum import StrEnum


class CaseErrorCode(StrEnum):
    UNIT_NOT_HANDLING = "case_unit_not_handling"
    PLACE_OUTSIDE_AREA = "case_place_outside_area"
    AGENCY_NOT_CONFIRMED = "case_agency_not_confirmed"
    BAD_PARTY_ID = "case_bad_party_id"
    OFFICER_OTHER_AGENCY = "case_officer_other_agency"
    OFFICER_ALREADY = "case_officer_already_assigned"
    UNKNOWN_FORM = "case_unknown_form"
    FORM_WRONG_STAGE = "case_form_wrong_stage"
    ELEMENT_MISSING = "case_element_missing"
    ELEMENT_INVALID = "case_element_invalid"
    TOO_FEW_OFFICERS = "case_too_few_officers"
    NOT_SHOWN_OR_TOLD = "case_certificate_or_rights_missing"
    CORRECTION_REASON = "case_correction_reason_required"
    ALREADY_SUPERSEDED = "case_document_already_superseded"
    FINAL_STAGE = "case_final_stage"
    DOCUMENTS_MISSING = "case_documents_missing"
    ARCHIVED = "case_archived"
    RECORDING_MISSING = "case_recording_missing"
    CONSULTATION_REASON = "case_consultation_reason_required"
