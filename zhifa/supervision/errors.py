from enum import StrEnum


class SupervisionErrorCode(StrEnum):
    REASON_REQUIRED = "supervision_close_reason_required"
    MODEL_UNKNOWN = "supervision_model_unknown"
    PARAMS_INVALID = "supervision_params_invalid"
    JURISDICTION_REQUIRED = "supervision_jurisdiction_required"
