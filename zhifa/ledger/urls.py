from django.urls import path

from . import views

urlpatterns = [
    path("", views.ledger_home, name="ledger-home"),
    path("checkpoint.txt", views.checkpoint_text, name="ledger-checkpoint"),
    path("findings/", views.findings, name="ledger-findings"),
    path("findings/<int:pk>/review/", views.finding_review, name="ledger-finding-review"),
]
