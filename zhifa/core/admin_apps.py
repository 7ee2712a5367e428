"""The admin app with zhifa's default site (issue 14 §6). Kept apart from the site class: INSTALLED_APPS loads
this module before the models exist, and the site imports forms that need them."""

from django.contrib.admin.apps import AdminConfig


class ZhifaAdminConfig(AdminConfig):
    default_site = "zhifa.core.admin_site.ZhifaAdminSite"
