"""Witnesses (c2sp.org/tlog-witness, issue 16): the witness's state per log, and the cosignatures the log collected.

Imported at the end of models.py, so the models belong to the `ledger` app (migration 0010_witness).
"""

from django.db import models

from zhifa.core.models import AppendOnlyModel

from .models import Checkpoint


class WitnessState(models.Model):
    """What this instance's witness (its key) last cosigned for one log: the only state a witness keeps (tlog-witness).

    It is the one ledger row that changes, and only by compare-and-swap (`witness.add_checkpoint`): an UPDATE that
    names the size and root it read, so two concurrent requests can never both move it, nor move it back."""

    VERBATIM_TEXT_FIELDS = ("witness", "origin", "note")  # signed text: core.bounds never rewrites it

    witness = models.CharField(max_length=300, help_text="the witness's verifier key (vkey, type 0x04)")
    origin = models.CharField(max_length=300)
    size = models.BigIntegerField(default=0)
    root = models.BinaryField(max_length=32)
    note = models.TextField(blank=True, help_text="the latest cosigned checkpoint: the log's note with this "
                                                  "witness's cosignature appended (served to monitors)")
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "见证状态"
        constraints = [models.UniqueConstraint(fields=["witness", "origin"], name="ledger_witnessstate_unique")]

    def __str__(self):
        return f"{self.origin} @ {self.size}"


class WitnessCosignature(AppendOnlyModel):
    """A witness's cosignature on one of this log's checkpoints, as the witness returned it (verified on receipt)."""

    VERBATIM_TEXT_FIELDS = ("witness", "line")  # signed material: core.bounds never rewrites it

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="cosignatures")
    witness = models.CharField(max_length=300, help_text="the witness's verifier key (vkey, type 0x04)")
    name = models.CharField(max_length=200)
    timestamp = models.BigIntegerField(help_text="POSIX time in the cosignature")
    line = models.TextField(help_text="the signature line, as appended to the checkpoint")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "见证人副署"
        ordering = ["-checkpoint__size", "name"]
        constraints = [models.UniqueConstraint(fields=["checkpoint", "witness"], name="ledger_cosignature_unique")]

    def __str__(self):
        return f"{self.name} @ {self.checkpoint_id}"
