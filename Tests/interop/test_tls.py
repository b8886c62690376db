"""Redis over TLS verifies as the site's client does: each server below is
tried with redis-py first (valkey-py for django-valkey; the oracle: it
must refuse or accept), then with cachalot configured the way the site's
backend takes those options (OPTIONS for Django's RedisCache,
CONNECTION_POOL_KWARGS for django-redis and django-valkey).
A refused server must get nothing from cachalot but the handshake, so it
never sees the password. Runs with the -tls variants only."""
import os
import ssl
import subprocess

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from conftest import SESSION_DIR, free_port, start_redis
from store import BACKEND

TLS = SESSION_DIR / "tls"
SITE_CA = TLS / "ca.crt"
PASSWORD = "tls-s3cret"


def openssl(*args):
    subprocess.run(["openssl", *args], cwd=TLS, check=True, capture_output=True)


def new_key_and_request(name, common_name="localhost"):
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={common_name}")


def signed_by(ca, name, san="IP:127.0.0.1,DNS:localhost", client=False):
    """A certificate for `name` signed by the CA files `ca`.crt/.key."""
    new_key_and_request(name)
    extensions = f"subjectAltName={san}\n" + ("extendedKeyUsage=clientAuth\n" if client else "")
    (TLS / f"{name}.ext").write_text(extensions)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-out", f"{name}.crt", "-days", "2", "-extfile", f"{name}.ext")
    return TLS / f"{name}.crt", TLS / f"{name}.key"


def expired_by(ca, name):
    """A certificate of the site's CA whose validity ended in 2020 (openssl
    x509 takes no past dates; openssl ca does)."""
    new_key_and_request(name)
    (TLS / f"{name}.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    (TLS / "index.txt").write_text("")
    (TLS / "ca-serial").write_text("1000\n")
    (TLS / "ca.cnf").write_text("[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\nserial = ca-serial\n"
                                "default_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n")
    openssl("ca", "-batch", "-config", "ca.cnf", "-in", f"{name}.csr", "-out", f"{name}.crt", "-cert", f"{ca}.crt",
            "-keyfile", f"{ca}.key", "-startdate", "20200101000000Z", "-enddate", "20200102000000Z",
            "-extfile", f"{name}.ext", "-notext")
    return TLS / f"{name}.crt", TLS / f"{name}.key"


def self_signed(name):
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.crt",
            "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost")
    return TLS / f"{name}.crt", TLS / f"{name}.key"


def other_ca():
    if not (TLS / "other-ca.crt").exists():
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key", "-out", "other-ca.crt", "-days", "2",
                "-subj", "/CN=another CA", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return "other-ca"


@pytest.fixture
def tls_server():
    """Starts a TLS-only redis-server with the given certificate (and
    client-certificate policy), password protected; stops it after."""
    started = []

    def start(certificate, key, auth_clients="no"):
        port = free_port()
        # start_redis waits for its plain port, open at the same time as the TLS one.
        process, _ = start_redis(["--tls-port", str(port), "--tls-cert-file", str(certificate), "--tls-key-file", str(key),
                                  "--tls-ca-cert-file", str(SITE_CA), "--tls-auth-clients", auth_clients, "--requirepass", PASSWORD])
        started.append(process)
        return port

    yield start
    for process in started:
        process.kill()
        process.wait()


def with_tls_server(edited_settings, port, **options):
    """The site's cache pointed at the server, with redis-py TLS options
    where this backend takes them."""
    def change(settings):
        cache = settings["CACHES"]["default"]
        cache["LOCATION"] = f"{'valkeys' if VALKEY else 'rediss'}://:{PASSWORD}@127.0.0.1:{port}/0"
        if BACKEND.startswith(("django-redis", "django-valkey")):
            cache.setdefault("OPTIONS", {})["CONNECTION_POOL_KWARGS"] = dict(options)
        else:
            cache["OPTIONS"] = dict(options)
    return edited_settings(change)


VALKEY = BACKEND.startswith("django-valkey")


def redis_py_accepts(port, **options):
    """Whether the site's client library connects: redis-py, or valkey-py
    for django-valkey (which checks no host name unless told to)."""
    if VALKEY:
        import valkey
        from valkey.backoff import NoBackoff as ValkeyNoBackoff
        from valkey.retry import Retry as ValkeyRetry

        client = valkey.Valkey(host="127.0.0.1", port=port, password=PASSWORD, ssl=True, socket_timeout=5,
                               retry=ValkeyRetry(ValkeyNoBackoff(), 0), **options)
        failures = (valkey.exceptions.ConnectionError, ssl.SSLError, OSError)
    else:
        # One try: redis-py's default retries with back-off take ~3.6 s to say no.
        client = redis.Redis(host="127.0.0.1", port=port, password=PASSWORD, ssl=True, socket_timeout=5,
                             retry=Retry(NoBackoff(), 0), **options)
        failures = (redis.exceptions.ConnectionError, ssl.SSLError, OSError)
    try:
        return client.ping()
    except failures:
        return False
    finally:
        client.close()


def assert_refused(cachalot, reason):
    result = cachalot("invalidate", "auth", check=False)
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert reason in result.stderr, result.stderr
    assert PASSWORD not in result.stdout + result.stderr


REFUSED = {
    "another CA": lambda: signed_by(other_ca(), "by-other-ca"),
    "self-signed": lambda: self_signed("self-signed"),
    "expired": lambda: expired_by("ca", "expired"),
    "another host": lambda: signed_by("ca", "elsewhere", san="DNS:elsewhere.example,IP:192.0.2.1"),
}
REASONS = {"another CA": "certificate verify failed", "self-signed": "certificate verify failed",
           "expired": "certificate has expired", "another host": "certificate verify failed"}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_server_redis_py_refuses_is_refused(case, cachalot, edited_settings, tls_server):
    port = tls_server(*REFUSED[case]())
    if VALKEY and case == "another host":
        # valkey-py checks no host name by default: the site connects, so must cachalot.
        assert redis_py_accepts(port, ssl_ca_certs=str(SITE_CA)), "valkey-py accepts another host's certificate"
        with with_tls_server(edited_settings, port, ssl_ca_certs=str(SITE_CA)):
            cachalot("invalidate", "auth")
        assert not redis_py_accepts(port, ssl_ca_certs=str(SITE_CA), ssl_check_hostname=True)
        with with_tls_server(edited_settings, port, ssl_ca_certs=str(SITE_CA), ssl_check_hostname=True):
            assert_refused(cachalot, REASONS[case])
        return
    assert not redis_py_accepts(port, ssl_ca_certs=str(SITE_CA)), "the oracle must refuse it"
    with with_tls_server(edited_settings, port, ssl_ca_certs=str(SITE_CA)):
        assert_refused(cachalot, REASONS[case])


def test_no_ca_given_trusts_only_the_systems(cachalot, edited_settings, tls_server):
    port = tls_server(*signed_by("ca", "site-server"))
    assert not redis_py_accepts(port)
    with with_tls_server(edited_settings, port):
        assert_refused(cachalot, "certificate verify failed")


def test_the_right_ca_is_accepted(cachalot, edited_settings, tls_server):
    port = tls_server(*signed_by("ca", "site-server"))
    assert redis_py_accepts(port, ssl_ca_certs=str(SITE_CA))
    with with_tls_server(edited_settings, port, ssl_ca_certs=str(SITE_CA)):
        cachalot("invalidate", "auth")


def test_cert_reqs_none_accepts_any_server_as_redis_py_does(cachalot, edited_settings, tls_server):
    port = tls_server(*self_signed("self-signed-none"))
    assert redis_py_accepts(port, ssl_cert_reqs="none")
    with with_tls_server(edited_settings, port, ssl_cert_reqs="none"):
        cachalot("invalidate", "auth")


def test_check_hostname_false_accepts_another_hosts_certificate(cachalot, edited_settings, tls_server):
    port = tls_server(*signed_by("ca", "elsewhere-unchecked", san="DNS:elsewhere.example"))
    assert redis_py_accepts(port, ssl_ca_certs=str(SITE_CA), ssl_check_hostname=False)
    with with_tls_server(edited_settings, port, ssl_ca_certs=str(SITE_CA), ssl_check_hostname=False):
        cachalot("invalidate", "auth")


def test_a_client_certificate_is_sent(cachalot, edited_settings, tls_server):
    port = tls_server(*signed_by("ca", "site-server-mtls"), auth_clients="yes")
    certificate, key = signed_by("ca", "client", san="DNS:client", client=True)
    assert not redis_py_accepts(port, ssl_ca_certs=str(SITE_CA))
    assert redis_py_accepts(port, ssl_ca_certs=str(SITE_CA), ssl_certfile=str(certificate), ssl_keyfile=str(key))
    with with_tls_server(edited_settings, port, ssl_ca_certs=str(SITE_CA)):
        result = cachalot("invalidate", "auth", check=False)
        assert result.returncode == 1, result.stderr
    with with_tls_server(edited_settings, port, ssl_ca_certs=str(SITE_CA), ssl_certfile=str(certificate), ssl_keyfile=str(key)):
        cachalot("invalidate", "auth")
        stamps = redis.Redis(host="127.0.0.1", port=port, password=PASSWORD, ssl=True, ssl_ca_certs=str(SITE_CA),
                             ssl_certfile=str(certificate), ssl_keyfile=str(key)).keys("*")
        assert stamps, "the invalidation reached the server"


@pytest.mark.parametrize("option", ["ssl_ciphers", "ssl_min_version", "ssl_password", "ssl_ca_data"])
def test_tls_options_cachalot_cannot_reproduce_are_refused(option, cachalot, edited_settings):
    with with_tls_server(edited_settings, 6379, ssl_ca_certs=str(SITE_CA), **{option: "x"}):
        result = cachalot("invalidate", "auth", check=False)
    assert result.returncode == 2, result.stderr
    assert option in result.stderr and "not supported" in result.stderr
    assert PASSWORD not in result.stderr
