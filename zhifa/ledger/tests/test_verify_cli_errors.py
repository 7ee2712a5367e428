"""The outsider's verifier says what is wrong with its input in one line and exits 2 (bad usage), as its help says:
a missing file, a missing argument, an unreachable log (tryout findings, issue 16)."""

from zhifa.verify.__main__ import main

KEY = "zhifa.localhost/ledger+2df3897c+AeRbb/6O24AgxKtx/V/mJB7sbKVzxEyPpRAexTnPQaKj"


def test_missing_file_is_bad_usage_not_a_traceback(tmp_path, capsys):
    assert main(["tiles", "http://127.0.0.1:9/ledger", "--key", KEY, "--old", str(tmp_path / "none.txt")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["inclusion", str(tmp_path / "proof.json"), "--checkpoint", str(tmp_path / "cp.txt"),
                 "--key", KEY]) == 2


def test_missing_arguments_are_bad_usage(capsys):
    assert main(["tiles", "http://127.0.0.1:9/ledger", "--key", KEY]) == 2
    assert "--leaf and --index" in capsys.readouterr().err


def test_an_unreachable_log_is_reported_not_raised(tmp_path, capsys):
    kept = tmp_path / "cp.txt"
    kept.write_text("not a checkpoint\n")
    # Port 9 (discard) on the loopback: refused at once.
    assert main(["tiles", "http://127.0.0.1:9/ledger", "--key", KEY, "--leaf", "A" * 43 + "=", "--index", "0"]) == 1
    assert "cannot fetch from the log" in capsys.readouterr().out
