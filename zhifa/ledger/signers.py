"""Where the checkpoint signature comes from (issue 16, finding 6): a backend chosen by ZHIFA_LEDGER_SIGNER.

- "file" (the default): the C2SP private key in ZHIFA_LEDGER_KEY or the file ZHIFA_LEDGER_KEY_FILE, created on first
  use. For `make demo` and development only: the key sits with the application and, by default, in the data folder
  beside the database, so whoever rewrites the database could re-sign history. `manage.py check --deploy` warns when
  DEBUG is off and the key file is inside the data folder.
- "command": an external signer process (ZHIFA_LEDGER_SIGNER_COMMAND, split like a shell command line, run without
  a shell). The application writes the note body (the checkpoint text) on its stdin and reads back one C2SP
  signature line (`— <name> <base64(key id ‖ signature)>`). The key lives with that process: another account, another
  host (`ssh signer@host zhifa-sign`), an HSM. `python -m zhifa.ledger.signer_cli --key-file FILE` is such a
  process. The application checks every signature it gets back against ZHIFA_LEDGER_VERIFIER_KEY before using it.
- anything else: a dotted path to a class with the same interface (`SignerBackend` below), e.g. a PKCS#11 or cloud
  KMS backend: `ZHIFA_LEDGER_SIGNER = "mysite.signing.Pkcs11Signer"`. It is constructed with no arguments and reads
  its own settings.

A backend has `name`, `verifier` (note.Verifier) and `sign(message: bytes) -> bytes` (the raw signature), which is
what note.sign_note needs.
"""

from __future__ import annotations

import base64
import logging
import shlex
import subprocess
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

from zhifa.core.errors import ZhifaError
from zhifa.core.once import create_file_once

from .errors import LedgerErrorCode
from .note import EM_DASH, NoteError, Signer, Verifier

log = logging.getLogger(__name__)


class SignerBackend(Protocol):
    name: str

    @property
    def verifier(self) -> Verifier: ...

    def sign(self, message: bytes) -> bytes: ...


def _key_error(detail: str) -> ZhifaError:
    return ZhifaError(LedgerErrorCode.KEY, f"日志签名密钥不可用：{detail}")


def file_key_text() -> str:
    """The private key of the "file" backend (created in the key file for development if there is none)."""
    text = settings.ZHIFA_LEDGER_KEY.strip()
    if text:
        return text
    path = Path(settings.ZHIFA_LEDGER_KEY_FILE)
    if not path.exists() and create_file_once(path, (Signer.generate(settings.ZHIFA_LEDGER_ORIGIN).encode() + "\n").encode()):
        if not settings.DEBUG and key_file_in_data_dir():
            log.warning("ledger: a development signing key was created in the data folder (%s); in production use "
                        "ZHIFA_LEDGER_SIGNER=command with the key on another host (docs/ledger.md)", path)
    return path.read_text().strip()


def key_file_in_data_dir() -> bool:
    if settings.ZHIFA_LEDGER_KEY.strip():
        return False
    try:
        return Path(settings.ZHIFA_LEDGER_KEY_FILE).resolve().is_relative_to(Path(settings.DATA_DIR).resolve())
    except (OSError, AttributeError):
        return False


class CommandSigner:
    """Signs through an external process: note body on stdin, one signature line on stdout."""

    def __init__(self, command: str | None = None, verifier: str | None = None, timeout: float = 30.0):
        command = command if command is not None else settings.ZHIFA_LEDGER_SIGNER_COMMAND
        verifier = verifier if verifier is not None else settings.ZHIFA_LEDGER_VERIFIER_KEY
        if not command.strip():
            raise _key_error("ZHIFA_LEDGER_SIGNER=command 需要设置 ZHIFA_LEDGER_SIGNER_COMMAND。")
        try:
            self._verifier = Verifier.decode(verifier)
        except NoteError as exc:
            raise _key_error("ZHIFA_LEDGER_SIGNER=command 需要设置有效的 ZHIFA_LEDGER_VERIFIER_KEY。") from exc
        self.argv = shlex.split(command)
        self.timeout = timeout
        self.name = self._verifier.name

    @property
    def verifier(self) -> Verifier:
        return self._verifier

    def sign(self, message: bytes) -> bytes:
        try:
            done = subprocess.run(self.argv, input=message, capture_output=True, timeout=self.timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise _key_error(f"签名进程无法运行：{exc}") from exc
        if done.returncode != 0:
            raise _key_error(f"签名进程返回 {done.returncode}：{done.stderr.decode(errors='replace')[:300]}")
        line = done.stdout.decode(errors="replace").strip("\n")
        prefix = f"{EM_DASH} {self.name} "
        try:
            if not line.startswith(prefix) or "\n" in line:
                raise ValueError
            raw = base64.b64decode(line[len(prefix):], validate=True)
        except ValueError as exc:
            raise _key_error("签名进程的输出不是一行签名。") from exc
        signature = raw[4:]
        if raw[:4] != self._verifier.id or not self._verifier.verify(message, signature):
            raise _key_error("签名进程返回的签名不能用配置的验证密钥验证。")
        return signature


def file_signer() -> Signer:
    try:
        return Signer.decode(file_key_text())
    except (NoteError, ValueError) as exc:
        raise ZhifaError(LedgerErrorCode.KEY, "日志签名密钥格式无效（应为 PRIVATE+KEY+… 格式）。") from exc


def backend() -> SignerBackend:
    """A new backend as configured (services.signer() caches it)."""
    kind = settings.ZHIFA_LEDGER_SIGNER
    if kind == "file":
        return file_signer()
    if kind == "command":
        return CommandSigner()
    try:
        return import_string(kind)()
    except ImportError as exc:
        raise _key_error(f"未知的签名后端 {kind!r}。") from exc


def configured_verifier() -> Verifier | None:
    """The current key's verifier, without touching the key when the configuration names it."""
    if settings.ZHIFA_LEDGER_VERIFIER_KEY.strip():
        try:
            return Verifier.decode(settings.ZHIFA_LEDGER_VERIFIER_KEY)
        except NoteError:
            return None
    return None


def past_verifiers() -> list[Verifier]:
    """Earlier keys whose checkpoints still count (ZHIFA_LEDGER_PAST_VERIFIER_KEYS: one per line or comma)."""
    out = []
    for text in settings.ZHIFA_LEDGER_PAST_VERIFIER_KEYS.replace(",", "\n").split():
        try:
            out.append(Verifier.decode(text))
        except NoteError:
            log.warning("ledger: ignoring a malformed key in ZHIFA_LEDGER_PAST_VERIFIER_KEYS")
    return out


@checks.register(checks.Tags.security, deploy=True)
def check_signer(app_configs=None, **kwargs):
    if settings.DEBUG or settings.ZHIFA_LEDGER_SIGNER != "file" or not key_file_in_data_dir():
        return []
    return [checks.Warning(
        "The ledger's checkpoint signing key is a file in the data folder, beside the database.",
        hint="Whoever can rewrite the database could re-sign history. Set ZHIFA_LEDGER_SIGNER=command with the key "
             "in another account or on another host (docs/ledger.md, 'Roles by duty').",
        id="zhifa.ledger.W001")]
