"""What the public may attach to a request, decided by the server (issue 14 §2).

Anyone can submit a request without an account, so everything they send is untrusted. A file's type is read
from its own bytes, never from the name or the Content-Type the sender declared: a page that says "image/png"
or a name that ends in ".pdf" proves nothing. Only documents and images are taken (ACCEPTED below); the table
is the one place to add a type.
"""

import hashlib
import os
import zipfile
from dataclasses import dataclass

from django.utils.crypto import salted_hmac

from zhifa.core import files
from zhifa.core.net import counted_address


@dataclass(frozen=True)
class FileType:
    code: str
    label: str
    content_type: str
    extension: str


PDF = FileType("pdf", "PDF 文档", "application/pdf", ".pdf")
JPEG = FileType("jpeg", "JPEG 图片", "image/jpeg", ".jpg")
PNG = FileType("png", "PNG 图片", "image/png", ".png")
# OFD (GB/T 33190): the national fixed-layout format of electronic official documents and e-invoices, a ZIP
# package of XML with no scripting. Word files are not taken: they can carry macros and external links that
# act when staff open them, and every word processor prints to PDF.
OFD = FileType("ofd", "OFD 版式文件", "application/ofd", ".ofd")
ACCEPTED = (PDF, JPEG, PNG, OFD)
ACCEPTED_LABEL = "PDF、JPEG、PNG、OFD"

# ISO 32000-1 §7.5.5: the file ends with %%EOF; readers look for it in the last 1 024 bytes.
_PDF_TAIL = 1024


def _tail(fileobj, size: int) -> bytes:
    fileobj.seek(0, os.SEEK_END)
    end = fileobj.tell()
    fileobj.seek(max(0, end - size))
    return fileobj.read(size)


def _image(fileobj, expected: str) -> bool:
    """Pillow parses the header and checks the structure (PNG chunk CRCs) without decoding pixels, and refuses
    a decompression bomb; the format must be the one the magic bytes announced."""
    from PIL import Image

    try:
        with Image.open(fileobj) as image:
            if image.format != expected:
                return False
            image.verify()
    except Exception:  # Pillow raises many types (SyntaxError, OSError, DecompressionBombError…) on bad input
        return False
    return True


def _ofd(fileobj) -> bool:
    """An OFD package has OFD.xml at its root (GB/T 33190 §7.2). Only the central directory is read: nothing is
    unpacked, so a zip bomb costs nothing."""
    try:
        with zipfile.ZipFile(fileobj) as package:
            return "OFD.xml" in package.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


# Past the signature (core.files.determine, the one table of file signatures), each accepted type's structure
# is checked too: anyone can put four magic bytes in front of a page.
_STRUCTURE = {
    PDF: lambda fileobj: b"%%EOF" in _tail(fileobj, _PDF_TAIL),
    JPEG: lambda fileobj: _image(fileobj, "JPEG"),
    PNG: lambda fileobj: _image(fileobj, "PNG"),
    OFD: _ofd,
}


def sniff(fileobj) -> FileType | None:
    """The accepted type the bytes of `fileobj` are, or None. Leaves the file at its start."""
    try:
        # A ZIP package may be taken only as OFD: the hint picks that among the ZIP signature's types.
        found = by_content_type(files.determine(files.read_head(fileobj), hint=OFD.content_type))
        fileobj.seek(0)
        return found if found is not None and _STRUCTURE[found](fileobj) else None
    finally:
        fileobj.seek(0)


def sha256_of(fileobj) -> str:
    digest = hashlib.sha256()
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(1 << 20), b""):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def clean_name(name: str) -> str:
    """The sender's file name as shown to staff: the one neutraliser of names (`core.files.clean_filename`:
    last path part, NFC, no invisible controls such as a right-to-left override, at most 200 characters)."""
    return files.clean_filename(name, default="附件")


def download_name(name: str, kind: FileType | None) -> str:
    """The name a staff member's browser saves the file under: it ends in the extension of the type the
    server found, so "photo.html" that is a PNG is saved as "photo.html.png" and opens as an image."""
    extensions = {kind.extension, ".jpeg"} if kind is JPEG else {kind.extension} if kind else set()
    if kind is None or os.path.splitext(name)[1].lower() in extensions:
        return name
    return name + kind.extension


def by_content_type(content_type: str) -> FileType | None:
    return next((t for t in ACCEPTED if t.content_type == content_type), None)


def client_key(address: str) -> str:
    """The key the rate limits count a client under: a keyed hash (HMAC with SECRET_KEY), so the table holds
    no address, of the address the login lockout counts too (core.net.counted_address: an IPv6 client by its
    /64, an IPv4-mapped address as IPv4)."""
    return salted_hmac("zhifa.publicity.client", counted_address(address) or "unknown",
                       algorithm="sha256").hexdigest()


def storage_delete(storage, name: str) -> None:
    """Delete a quarantined file for good. On a versioned (object-locked) bucket a plain delete only adds a
    delete marker, so every version goes; quarantine objects carry no lock, unlike evidence."""
    if hasattr(storage, "bucket"):
        client, key = storage.bucket.meta.client, storage._normalize_name(name)
        listing = client.list_object_versions(Bucket=storage.bucket.name, Prefix=key)
        for version in listing.get("Versions", []) + listing.get("DeleteMarkers", []):
            if version["Key"] == key:
                client.delete_object(Bucket=storage.bucket.name, Key=key, VersionId=version["VersionId"])
    else:
        storage.delete(name)
