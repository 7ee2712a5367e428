"""A checkpoint signer process (ZHIFA_LEDGER_SIGNER=command): run it in another account or on another host.

    python -m zhifa.ledger.signer_cli --key-file /etc/zhifa-signer/ledger.key          # sign: body on stdin
    python -m zhifa.ledger.signer_cli --key-file /etc/zhifa-signer/ledger.key --public # print the verifier key

Reads the note body (a C2SP tlog-checkpoint: origin, size, root, each on its own line) from stdin and writes one
C2SP signature line. It signs only text shaped like a checkpoint (with --origin, only for that log), so the key
cannot be used to sign anything else. No Django: it needs only `cryptography` (and `gmssl` for SM2).
"""

from __future__ import annotations

import argparse
import base64
import sys

from zhifa.ledger.note import EM_DASH, Checkpoint, NoteError, Signer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="zhifa.ledger.signer_cli", description=__doc__.splitlines()[0])
    parser.add_argument("--key-file", required=True, help="file holding the PRIVATE+KEY+… line (mode 0600)")
    parser.add_argument("--origin", help="sign only checkpoints of this origin")
    parser.add_argument("--public", action="store_true", help="print the verifier key and exit")
    args = parser.parse_args(argv)
    try:
        with open(args.key_file, encoding="utf-8") as fh:
            key = Signer.decode(fh.read().strip())
    except (OSError, NoteError, ValueError) as exc:
        print(f"signer: cannot load key: {exc}", file=sys.stderr)
        return 2
    if args.public:
        print(key.verifier.encode())
        return 0
    body = sys.stdin.buffer.read(64 * 1024)
    try:
        text = body.decode("utf-8")
        checkpoint = Checkpoint.parse(text)
    except (UnicodeDecodeError, NoteError, ValueError) as exc:
        print(f"signer: refusing to sign: not a checkpoint ({exc})", file=sys.stderr)
        return 3
    if args.origin is not None and checkpoint.origin != args.origin:
        print(f"signer: refusing to sign: origin {checkpoint.origin!r} is not {args.origin!r}", file=sys.stderr)
        return 3
    signature = key.sign(body)
    sys.stdout.write(f"{EM_DASH} {key.name} {base64.b64encode(key.verifier.id + signature).decode()}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
