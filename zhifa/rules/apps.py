from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "zhifa.rules"
    label = "rules"
    verbose_name = "区域规则"
