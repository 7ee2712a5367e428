from enum import StrEnum

from zhifa.core.errors import ZhifaError


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
    DOCUMENTS_MISSING = "case_documents_missing"
    ARCHIVED = "case_archived"
    RECORDING_MISSING = "case_recording_missing"
    CONSULTATION_REASON = "case_consultation_reason_required"
    SIGNING_UNAVAILABLE = "case_signing_unavailable"
    RENDERING_UNAVAILABLE = "case_rendering_unavailable"
    # Issue 18 §2: what a standard document prints must be set on the agency before its first issue.
    ABBREVIATION_MISSING = "case_agency_abbreviation_missing"
    FINE_COLLECTOR_MISSING = "case_agency_fine_collector_missing"
    REMEDIES_MISSING = "case_agency_remedies_missing"
    # 行政处罚法 §59(1), 行政强制法 §24: a decision names its party.
    PARTY_MISSING = "case_party_missing"
    ACTION_TYPE_INVALID = "case_action_type_invalid"
    PROCEDURE_NOT_ALLOWED = "case_procedure_not_allowed"
    NOT_ISSUED = "case_document_not_issued"


class ConsultationRequired(ZhifaError):
    """REC-15: the reader is outside the case and has no open consultation. Pages answer with the form that
    asks the reason, the API with this code and where to state it."""

    status = 403

    def __init__(self, case_id: int):
        super().__init__(CaseErrorCode.CONSULTATION_REASON,
                         "您不是本案承办人员，调阅案件应当先说明事由（调阅事由将记入日志）。",
                         details={"case_id": case_id, "consultations": f"/api/cases/{case_id}/consultations"})
        self.case_id = case_id
