"""Offline verification of an exported zhifa ledger: `python -m zhifa.verify --help`."""
