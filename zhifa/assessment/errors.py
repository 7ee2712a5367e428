from enum import StrEnum


class AssessmentErrorCode(StrEnum):
    # A wrong state is core's one code (wrong_state, 409; core.workflow).
    NOT_BUREAU = "assessment_organiser_not_justice_bureau"
    YEAR_INVALID = "assessment_year_invalid"
    TEXT_REQUIRED = "assessment_text_required"
    TEXT_TOO_LONG = "assessment_text_too_long"
    AGENCIES_EMPTY = "assessment_agencies_empty"
    ALREADY_OPEN = "assessment_already_open"
    NOT_COMPUTED = "assessment_not_computed"
    AGENCY_NOT_ASSESSED = "assessment_agency_not_assessed"
    QUALITATIVE_OUT_OF_RANGE = "assessment_qualitative_out_of_range"
    QUALITATIVE_UNCHANGED = "assessment_qualitative_unchanged"
    OUTCOME_INVALID = "assessment_outcome_invalid"
    AGENCY_NOT_SUPERVISED = "assessment_agency_not_supervised"
    # 《行政处罚法》第七十四条: fines and confiscations never tied to an assessment.
    FINE_INDICATOR_FORBIDDEN = "assessment_indicator_fine_forbidden"
    FORMULA_UNKNOWN = "assessment_indicator_formula_unknown"
    INPUT_UNKNOWN = "assessment_indicator_input_unknown"
    RESULT_NOT_PUBLISHED = "assessment_result_not_final"
