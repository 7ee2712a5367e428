from django.apps import AppConfig


class CockpitConfig(AppConfig):
    name = "zhifa.cockpit"
    label = "cockpit"
    verbose_name = "监督驾驶舱"
