from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "zhifa.assessment"
    label = "assessment"
    verbose_name = "评议考核"

    def ready(self):
        from zhifa.rules.catalogue import register_check, register_text

        from . import events, indicators  # noqa: F401

        # Every path that writes the indicator table (the rules page, the API, a shipped rule set) runs this check:
        # a fine or confiscation figure as an indicator is refused (《行政处罚法》第七十四条), a formula must be one of
        # the registry's.
        register_check("assessment.indicators", indicators.check_rule)
        register_text("assessment.indicators", indicators.rule_text)
