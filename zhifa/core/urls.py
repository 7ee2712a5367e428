from django.contrib.auth import views as auth_views
from django.urls import path

from . import account_views, views

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Issue 14 §6, §7: the second factor and API tokens.
    path("accounts/second-factor/", account_views.second_factor_status, name="otp-status"),
    path("accounts/second-factor/verify/", account_views.second_factor_verify, name="otp-verify"),
    path("accounts/second-factor/enrol/", account_views.second_factor_enrol, name="otp-enrol"),
    path("accounts/second-factor/reset/", account_views.second_factor_reset, name="otp-reset"),
    path("accounts/tokens/", account_views.api_tokens, name="api-tokens"),
    path("accounts/tokens/<int:pk>/revoke/", account_views.api_token_revoke, name="api-token-revoke"),
    path("calendar/", views.calendar_page, name="calendar"),
    path("calendar/deadline/", views.deadline_partial, name="calendar-deadline"),
]
