from django.urls import include, path

from . import views, views_tiles

urlpatterns = [
    path("", views.ledger_home, name="ledger-home"),
    path("checkpoint.txt", views.checkpoint_text, name="ledger-checkpoint"),
    path("findings/", views.findings, name="ledger-findings"),
    path("findings/<int:pk>/review/", views.finding_review, name="ledger-finding-review"),
    path("", include("zhifa.ledger.urls_witness")),  # witnesses (issue 16): witness/…, checkpoint-cosigned.txt
    # C2SP tlog-tiles under the prefix /ledger (the checkpoint origin's path): public, static, cacheable.
    path("checkpoint", views_tiles.checkpoint, name="ledger-tlog-checkpoint"),
    path("tile/<path:rest>", views_tiles.tile, name="ledger-tlog-tile"),
    path("verifier-keys", views_tiles.keys, name="ledger-verifier-keys"),
]
