from enum import StrEnum


class OrgErrorCode(StrEnum):
    JURISDICTION_LEVEL = "jurisdiction_level_mismatch"
    AGENCY_ENTRUSTER_REQUIRED = "agency_entruster_required"
    AGENCY_ALREADY_CONFIRMED = "agency_already_confirmed"
    AGENCY_NOT_SAME_LEVEL = "agency_confirm_wrong_level"
    CREDIT_CODE_INVALID = "agency_credit_code_invalid"
    UNIT_AGENCY_MISMATCH = "unit_agency_mismatch"
    CERTIFICATE_PERIOD = "certificate_period_invalid"
    CERTIFICATE_REVOKED = "certificate_already_revoked"
    SUSPENSION_INVALID = "certificate_suspension_invalid"
    SUSPENSION_OVERLAPS = "certificate_suspension_overlaps"
    SUSPENSION_LIFTED = "certificate_suspension_already_lifted"
    OFFICER_NOT_CERTIFIED = "officer_not_certified"
    # ORG-04: review staff sit in a review unit apart from case handling; they never handle a case.
    OFFICER_REVIEW_STAFF = "officer_review_staff"
    # Expired, not yet valid, or revoked (注销): the certificate is not in force on the day of the work.
    OFFICER_CERTIFICATE_EXPIRED = "officer_certificate_expired"
    # Withheld (暂扣) on the day of the work.
    OFFICER_CERTIFICATE_SUSPENDED = "officer_certificate_suspended"
    OFFICER_WRONG_CATEGORY = "officer_wrong_category"
    OFFICER_OUT_OF_AREA = "officer_out_of_area"
    OFFICER_INACTIVE = "officer_inactive"
    REVIEWER_NOT_QUALIFIED = "reviewer_not_qualified"
    REVIEWER_NOT_IN_REVIEW_UNIT = "reviewer_not_in_review_unit"
    ADVISER_WRONG_FIELD = "adviser_wrong_field"
    ADVISER_OUT_OF_POOL = "adviser_out_of_pool"
    ADVISER_INACTIVE = "adviser_inactive"
    LOAN_PERIOD = "loan_period_invalid"
    GRANT_SCOPE = "grant_scope_invalid"
    IMPORT_INVALID = "import_invalid"
    DUPLICATE = "duplicate"
