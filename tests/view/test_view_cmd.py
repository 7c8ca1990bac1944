"""`ledger view` as a user starts it: the URL it prints answers; off
loopback the URL carries a token; without the extra, one line says what to
install."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ledger.home import Home
from tests.projections.test_index_fixture import build

pytest.importorskip("fastapi", reason="the view extra is not installed")


def start_view(home: Path, *args: str) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "LEDGER_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    env.pop("DISPLAY", None)
    proc = subprocess.Popen([sys.executable, "-m", "ledger", "view", "--no-open", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    line = proc.stdout.readline()
    if "http://" not in line:
        proc.kill()
        raise AssertionError(f"no URL printed: {line!r} {proc.stderr.read()}")
    url = line.split(": ", 1)[1].strip()
    deadline = time.monotonic() + 30
    while True:  # the URL is printed just before the server listens
        try:
            urllib.request.urlopen(url.split("/runs")[0] + "/api/tip" + ("?" + url.split("?")[1] if "?" in url else ""),
                                   timeout=5)  # fmt: skip
            return proc, url
        except urllib.error.HTTPError:
            return proc, url
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise AssertionError(f"the view did not answer: {proc.stderr.read()}") from None
            time.sleep(0.1)


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_view_serves_the_home_on_loopback(tmp_path):
    fx = build(Home(tmp_path / "home"))
    proc, url = start_view(tmp_path / "home", "--port", "auto")
    try:
        assert url.startswith("http://127.0.0.1:") and "token" not in url
        with urllib.request.urlopen(url, timeout=10) as resp:
            assert resp.status == 200 and fx.ids["a"] in resp.read().decode()
    finally:
        stop(proc)


def test_view_off_loopback_needs_the_printed_token(tmp_path):
    build(Home(tmp_path / "home"))
    # 127.0.0.2 is this machine too, but not the address the view trusts
    proc, url = start_view(tmp_path / "home", "--host", "127.0.0.2", "--port", "auto")
    try:
        assert "?token=" in url
        bare = url.split("?")[0]
        assert status_of(bare) == 403
        assert status_of(bare.replace("/runs", "/api/runs")) == 403
        assert status_of(url.replace("token=", "token=x")) == 403
        assert status_of(url) == 200
    finally:
        stop(proc)


def run_ledger(home: Path, *args: str, code: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "LEDGER_HOME": str(home)}
    argv = [sys.executable, "-c", code] if code else [sys.executable, "-m", "ledger", *args]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)


def test_view_without_the_extra_says_how_to_install_it(tmp_path):
    build(Home(tmp_path / "home"))
    # as if fastapi were not installed: importing it fails
    code = "import sys; sys.modules['fastapi'] = None; from ledger.cli.app import main; sys.exit(main(['view']))"
    got = run_ledger(tmp_path / "home", code=code)
    assert got.returncode != 0 and got.stdout == ""
    assert got.stderr.strip().splitlines() == [
        "ledger: ledger view needs the web extra; install it with: pip install 'ledger-ml[view]'"]


@pytest.mark.parametrize("args, says", [
    (("--port", "http"), "--port 'http' is not a port number"),
    (("--port", "99999"), "is not a port number"),
])
def test_view_bad_port_is_one_line(tmp_path, args, says):
    build(Home(tmp_path / "home"))
    got = run_ledger(tmp_path / "home", "view", "--no-open", *args)
    assert got.returncode != 0 and "Traceback" not in got.stderr
    assert len(got.stderr.strip().splitlines()) == 1 and says in got.stderr


def test_view_of_no_ledger_is_one_line(tmp_path):
    got = run_ledger(tmp_path / "nothing", "view", "--no-open")
    assert got.returncode != 0 and got.stderr.strip().splitlines() == [
        f"ledger: there is no ledger at {tmp_path / 'nothing'}; set LEDGER_HOME to a ledger's folder, or run something"]
