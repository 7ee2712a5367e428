from enum import StrEnum


class RulesErrorCode(StrEnum):
    RULE_INVALID = "rule_invalid"
    RULE_NOT_SET = "rule_not_set"
    RULESET_UNKNOWN = "ruleset_unknown"
    RULESET_NO_JURISDICTION = "ruleset_no_jurisdiction"
    RULE_LATER_VERSION = "rule_later_version"
