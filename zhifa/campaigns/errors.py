from enum import StrEnum


class CampaignErrorCode(StrEnum):
    # A wrong state is core's one code (wrong_state, 409; core.workflow).
    NOT_BUREAU = "campaign_organiser_not_justice_bureau"
    TEXT_REQUIRED = "campaign_text_required"
    PERIOD_INVALID = "campaign_period_invalid"
    SAMPLE_SIZE_INVALID = "campaign_sample_size_invalid"
    AGENCIES_REQUIRED = "campaign_agencies_required"
    AGENCY_NOT_SUPERVISED = "campaign_agency_not_supervised"
    ACTION_TYPES_INVALID = "campaign_action_types_invalid"
    CHECKLIST_INVALID = "campaign_checklist_invalid"
    POPULATION_EMPTY = "campaign_population_empty"
    SAMPLED_CASE_INVALID = "campaign_sampled_case_invalid"
    FINDING_INVALID = "campaign_finding_invalid"
    FINDINGS_UNCHANGED = "campaign_findings_unchanged"
    FINDINGS_INCOMPLETE = "campaign_findings_incomplete"
    NOT_NOTIFIED = "campaign_agency_not_notified"
    ALREADY_ACKNOWLEDGED = "campaign_notice_already_acknowledged"
    TEXT_TOO_LONG = "campaign_text_too_long"
    POPULATION_TOO_LARGE = "campaign_population_too_large"
    CANCEL_REASON_TOO_SHORT = "campaign_cancel_reason_too_short"
    NOTHING_CHANGED = "campaign_plan_unchanged"
