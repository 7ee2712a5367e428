"""Witness routes (issue 16), included under /ledger/ by one line of urls.py."""

from django.urls import path

from . import views_witness

urlpatterns = [
    path("witness/add-checkpoint", views_witness.add_checkpoint, name="ledger-witness-add-checkpoint"),
    path("witness/<str:origin_hash>/checkpoint", views_witness.witness_checkpoint, name="ledger-witness-checkpoint"),
    path("checkpoint-cosigned.txt", views_witness.checkpoint_cosigned, name="ledger-checkpoint-cosigned"),
]
