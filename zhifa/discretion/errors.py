"""Error codes of the discretion benchmarks (SUP-07): stable for the API, with a Chinese message for people."""

from enum import StrEnum


class DiscretionErrorCode(StrEnum):
    # The workbook: unreadable, or rows that fail validation (details: one entry per row and column).
    IMPORT_INVALID = "discretion_import_invalid"
    IMPORT_ROWS = "discretion_import_rows"
    TABLE_INVALID = "discretion_table_invalid"
    # The fine check (行政处罚法 第三十四条; 国办发〔2022〕27号).
    NO_TABLE = "discretion_no_table_in_force"
    ITEM_UNKNOWN = "discretion_item_unknown"
    TIER_UNKNOWN = "discretion_tier_unknown"
    AMOUNT_INVALID = "discretion_amount_invalid"
    BASE_REQUIRED = "discretion_base_amount_required"
    # Hard errors: the fine is outside what the law allows.
    FINE_ABOVE_STATUTORY = "discretion_fine_above_statutory_max"
    FINE_BELOW_STATUTORY = "discretion_fine_below_statutory_min"
    FINE_WHERE_NO_PENALTY = "discretion_fine_in_no_penalty_tier"
    # Warning: outside the benchmark tier; allowed only with written reasons in the decision.
    FINE_OUTSIDE_TIER = "discretion_fine_outside_tier"
    REASONS_REQUIRED = "discretion_departure_reasons_required"
