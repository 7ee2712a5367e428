"""Agencies' electronic seals: PAdES signatures on issued documents (REC-12; KY: 电子认证、电子签章).

Each agency signs with its own ECDSA P-256 key and an X.509 certificate naming it. By default the keys
live under ZHIFA_SIGNING_DIR, issued by a deployment-local root (`ca/`) that this module creates on
first use: enough for a county that has no CA yet, and for tests. Where a jurisdiction's electronic
seal platform issues the certificates, put each agency's `key.pem` and `cert.pem` (and the platform's
`ca/cert.pem`) in the same layout; nothing here creates a key that already exists.

pyHanko does the PDF side (incremental update, CMS, PAdES baseline B-B). It has no SM2 support, so
GM/T 0031 seals (SM2/SM3) are not produced here; see docs/records.md.
"""

import datetime as dt
import hashlib
import io
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils import timezone

from zhifa.core.errors import ZhifaError
from zhifa.core.once import create_dir_once

from .errors import CaseErrorCode

VALID_YEARS = 10


def _dir() -> Path:
    return Path(settings.ZHIFA_SIGNING_DIR)


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _name(common: str, org: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _issue(*, subject: x509.Name, key, issuer: x509.Name, issuer_key, ca: bool) -> x509.Certificate:
    now = timezone.now()
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
               .not_valid_after(now + dt.timedelta(days=366 * VALID_YEARS))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True)
    else:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False),
            critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def root() -> tuple[Path, Path]:
    """(key path, cert path) of the deployment-local root, created on first use (by one process: core.once)."""
    folder = _dir() / "ca"
    if not (folder / "cert.pem").exists():
        def fill(tmp: Path) -> None:
            key = ec.generate_private_key(ec.SECP256R1())
            name = _name("zhifa 本地电子签章根证书", "zhifa")
            cert = _issue(subject=name, key=key, issuer=name, issuer_key=key, ca=True)
            _write_private(tmp / "key.pem", _pem_key(key))
            (tmp / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        create_dir_once(folder, fill)
    return folder / "key.pem", folder / "cert.pem"


def agency_paths(agency) -> tuple[Path, Path, Path]:
    """(key, cert, root cert) of the agency's seal, issued by the root on first use (by one process)."""
    root_key_path, root_cert_path = root()
    folder = _dir() / f"agency-{agency.pk}"
    if not (folder / "cert.pem").exists():
        def fill(tmp: Path) -> None:
            root_key = serialization.load_pem_private_key(root_key_path.read_bytes(), None)
            root_cert = x509.load_pem_x509_certificate(root_cert_path.read_bytes())
            key = ec.generate_private_key(ec.SECP256R1())
            cert = _issue(subject=_name(agency.name, agency.name), key=key, issuer=root_cert.subject,
                          issuer_key=root_key, ca=False)
            _write_private(tmp / "key.pem", _pem_key(key))
            (tmp / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        create_dir_once(folder, fill)
    return folder / "key.pem", folder / "cert.pem", root_cert_path


def registered_fingerprint(agency_id: int) -> str | None:
    """The SHA-256 of the seal certificate registered for the agency, or None when it has none yet (never makes
    one: supervision's model M24 compares issued decisions with it)."""
    cert_path = _dir() / f"agency-{agency_id}" / "cert.pem"
    return fingerprint(cert_path) if cert_path.exists() else None


def fingerprint(cert_path: Path) -> str:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def sign_pdf(pdf: bytes, *, agency, reason: str, location: str) -> tuple[bytes, str]:
    """The PDF with the agency's PAdES signature added, and the signing certificate's SHA-256."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    key_path, cert_path, root_cert_path = agency_paths(agency)
    try:
        signer = signers.SimpleSigner.load(str(key_path), str(cert_path), ca_chain_files=(str(root_cert_path),))
    except Exception as exc:  # unreadable key material: say so rather than sign with nothing
        raise ZhifaError(CaseErrorCode.SIGNING_UNAVAILABLE, f"{agency.name}的电子签章密钥无法读取：{exc}") from exc
    if signer is None:
        raise ZhifaError(CaseErrorCode.SIGNING_UNAVAILABLE, f"{agency.name}的电子签章密钥无法读取。")
    meta = signers.PdfSignatureMetadata(field_name="AgencySeal", subfilter=fields.SigSeedSubFilter.PADES,
                                        md_algorithm="sha256", reason=reason, location=location, name=agency.name)
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer)
    return out.getvalue(), fingerprint(cert_path)
