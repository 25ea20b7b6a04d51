"""C18 TLS and HTTP/2 against Debian's nginx, started here on a free loopback port with a CA
and a certificate for "localhost" made at test time."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time

import oneloop
import pytest
from oneloop import http

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _make_certs(d: str) -> None:
    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)

    run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=oneloop test CA",
        "-keyout",
        f"{d}/ca.key",
        "-out",
        f"{d}/ca.pem",
    )
    run(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        f"{d}/server.key",
        "-out",
        f"{d}/server.csr",
    )
    with open(f"{d}/ext.cnf", "w") as f:
        f.write("subjectAltName=DNS:localhost\n")
    run(
        "x509",
        "-req",
        "-in",
        f"{d}/server.csr",
        "-CA",
        f"{d}/ca.pem",
        "-CAkey",
        f"{d}/ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        f"{d}/ext.cnf",
        "-out",
        f"{d}/server.pem",
    )


@pytest.fixture(scope="module")
def nginx(tmp_path_factory):
    if not os.path.exists(NGINX) or not shutil.which("openssl"):
        pytest.skip("nginx or openssl not installed")
    d = str(tmp_path_factory.mktemp("nginx"))
    _make_certs(d)
    port = _free_port()
    conf = f"""
daemon off;
master_process off;
error_log {d}/error.log;
pid {d}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl http2;
        server_name localhost;
        ssl_certificate {d}/server.pem;
        ssl_certificate_key {d}/server.key;
        location / {{ return 200 "tls ok\\n"; }}
    }}
}}
"""
    with open(f"{d}/nginx.conf", "w") as f:
        f.write(conf)
    proc = subprocess.Popen(
        [NGINX, "-p", d, "-c", f"{d}/nginx.conf"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.skip("nginx did not start: " + proc.stderr.read().decode())
            time.sleep(0.05)
    yield {"port": port, "ca": f"{d}/ca.pem"}
    proc.terminate()
    proc.wait(timeout=10)


def test_C18_verification_on_by_default(nginx):
    with pytest.raises(oneloop.TLSError) as info:
        http.get(f"https://localhost:{nginx['port']}/")
    assert info.value.message


def test_C18_custom_ca_passes_and_http2(nginx):
    r = http.get(f"https://localhost:{nginx['port']}/", verify=nginx["ca"])
    assert r.status == 200 and r.text == "tls ok\n"
    assert r.http_version == "2" and r.timing.tls_us > 0


def test_C18_wrong_host_fails(nginx):
    with pytest.raises(oneloop.TLSError):
        http.get(f"https://127.0.0.1:{nginx['port']}/", verify=nginx["ca"])


def test_C18_host_check_alone_can_be_turned_off(nginx):
    r = http.get(f"https://127.0.0.1:{nginx['port']}/", verify=nginx["ca"], verify_host=False)
    assert r.status == 200
    with pytest.raises(oneloop.TLSError):  # the chain is still checked
        http.get(f"https://127.0.0.1:{nginx['port']}/", verify_host=False)


def test_C18_verification_can_be_turned_off(nginx):
    assert http.get(f"https://127.0.0.1:{nginx['port']}/", verify=False).status == 200


def test_C17_http2_multiplexes_a_burst(nginx):
    reqs = [http.Request("GET", f"https://localhost:{nginx['port']}/", verify=nginx["ca"])] * 40
    before = oneloop.stats()["http_connections"]
    assert [r.status for r in http.gather(reqs, timeout=30)] == [200] * 40
    assert oneloop.stats()["http_connections"] - before <= 2


# C23 with TLS (issue 13.1): an interpreter that exits with 300 HTTPS requests in flight (plus
# timers, work and a held stream) exits with status 0, never a signal, by either exit path.
# The crash was a race (OpenSSL's exit cleanup under a handshake on the loop thread), so each
# path runs 20 times with a random 0-40 ms pause between submitting and exiting.
_EXIT_WITH_HTTPS = """
import os, random, sys, time, oneloop
from oneloop import http
port, ca, how, seed = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
random.seed(seed)
url = f"https://localhost:{port}/"
held = [http.submit("GET", url, verify=ca if i % 2 else True) for i in range(300)]
held += [oneloop.timer(random.randrange(60)) for _ in range(20)]
held += [oneloop.work.submit(time.sleep, 0.05) for _ in range(4)]
time.sleep(random.randrange(41) / 1000)
if how == "os._exit":
    os._exit(0)
"""


@pytest.mark.parametrize("how", ["interpreter exit", "os._exit"])
def test_C23_exit_with_300_https_requests_in_flight_never_crashes(nginx, how):
    outcomes = []
    for seed in range(20):
        r = subprocess.run(
            [
                sys.executable,
                "-c",
                _EXIT_WITH_HTTPS,
                str(nginx["port"]),
                nginx["ca"],
                how,
                str(seed),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=os.path.dirname(__file__),
        )  # python/ would shadow the install
        outcomes.append((seed, r.returncode, r.stderr[-300:]))
    failed = [o for o in outcomes if o[1] != 0]
    assert not failed, f"{len(failed)} of 20 runs failed (seed, exit status, stderr): {failed}"
