"""Which CAs a call trusts (cloud.tls): the user's CA file, else SSL_CERT_FILE / SSL_CERT_DIR, else the operating
system's store through truststore, else certifi's list when that store is not usable; and ssl_verify's words."""

from __future__ import annotations

import ssl
import sys
from pathlib import Path

import certifi
import pytest
import truststore

from servicestage_ls.cloud import tls
from servicestage_ls.cloud.config import ssl_verify
from servicestage_ls.cloud.errors import ConfigurationError

BEGIN = "-----BEGIN CERTIFICATE-----"


def certifi_pems() -> list[str]:
    text = Path(certifi.where()).read_text(encoding="ascii")
    return [BEGIN + part.split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"
            for part in text.split(BEGIN)[1:]]


@pytest.fixture
def one_ca(tmp_path: Path) -> tuple[Path, dict]:
    """A PEM file holding one CA certificate (certifi's first), and that certificate as ssl reports it."""
    path = tmp_path / "one-ca.pem"
    path.write_text(certifi_pems()[0], encoding="ascii")
    (cert,) = ssl.create_default_context(cafile=str(path)).get_ca_certs()
    return path, cert


def subjects(context: ssl.SSLContext) -> list[tuple]:
    return [cert["subject"] for cert in context.get_ca_certs()]


def test_without_a_ca_file_the_operating_systems_store_is_used() -> None:
    context, source = tls.tls_context(None, {})
    assert source == tls.SYSTEM == "the operating system's trust store (truststore)"
    assert isinstance(context, truststore.SSLContext)
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)


def test_certifi_when_truststore_cannot_be_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "truststore", None)  # what an import failure looks like
    context, source = tls.tls_context(None, {})
    assert source == tls.CERTIFI == "certifi's CA list"
    assert not isinstance(context, truststore.SSLContext)
    assert len(context.get_ca_certs()) == len(certifi_pems())
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)


def test_certifi_when_linux_has_no_ca_file_or_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tls.sys, "platform", "linux")
    monkeypatch.setattr(tls, "openssl_store_found", lambda: False)
    context, source = tls.tls_context(None, {})
    assert source == tls.CERTIFI
    assert len(context.get_ca_certs()) == len(certifi_pems())


def test_the_store_is_found_by_openssls_defaults_or_a_distributions_file(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    capath = tmp_path / "certs"
    capath.mkdir()
    (capath / "README").write_text("no certificates here\n")
    paths = ssl.DefaultVerifyPaths(None, str(capath), "", "", "", "")  # type: ignore[arg-type]
    monkeypatch.setattr(tls.ssl, "get_default_verify_paths", lambda: paths)
    bundle = tmp_path / "ca-bundle.pem"
    monkeypatch.setattr(tls, "_CA_FILES", (str(bundle),))
    assert tls.openssl_store_found() is False
    (capath / "0123abcd.0").write_text("")
    assert tls.openssl_store_found() is True
    (capath / "0123abcd.0").unlink()
    bundle.write_text("")
    assert tls.openssl_store_found() is True


def test_a_user_ca_file_wins_over_the_environment_and_the_system(one_ca: tuple[Path, dict], tmp_path: Path) -> None:
    path, cert = one_ca
    other = tmp_path / "other.pem"
    other.write_text(certifi_pems()[1], encoding="ascii")
    context, source = tls.tls_context(str(path), {"SSL_CERT_FILE": str(other), "SSL_CERT_DIR": str(tmp_path)})
    assert source == tls.USER_FILE == "the CA file given by caBundle / --ca-bundle"
    assert subjects(context) == [cert["subject"]]
    context, source = tls.tls_context(None, {"SSL_CERT_FILE": str(path), "SSL_CERT_DIR": str(tmp_path)})
    assert source == tls.ENV_FILE == "the CA file SSL_CERT_FILE names"
    assert subjects(context) == [cert["subject"]]
    assert not isinstance(context, truststore.SSLContext)


def test_ssl_cert_dir_when_no_file_is_named(tmp_path: Path) -> None:
    context, source = tls.tls_context(None, {"SSL_CERT_FILE": "  ", "SSL_CERT_DIR": str(tmp_path)})
    assert source == tls.ENV_DIR == "the CA directory SSL_CERT_DIR names"
    assert not isinstance(context, truststore.SSLContext)
    assert context.get_ca_certs() == []  # a hashed directory's certificates load when a peer needs them


def test_ssl_verify_words_an_unusable_ssl_cert_file(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    with pytest.raises(ConfigurationError) as caught:
        ssl_verify(None, {"SSL_CERT_FILE": str(garbage)})
    assert str(caught.value) == f"SSL_CERT_FILE names {str(garbage)!r}, which holds no usable PEM certificate"
    missing = tmp_path / "missing.pem"
    with pytest.raises(ConfigurationError) as caught:
        ssl_verify("", {"SSL_CERT_FILE": str(missing)})
    assert str(caught.value) == f"SSL_CERT_FILE names {str(missing)!r}, which holds no usable PEM certificate"


def test_ssl_verify_gives_the_context_tls_context_makes(one_ca: tuple[Path, dict]) -> None:
    assert isinstance(ssl_verify(None, {}), truststore.SSLContext)
    assert isinstance(ssl_verify("  ", {}), truststore.SSLContext)
    path, cert = one_ca
    assert subjects(ssl_verify(str(path), {})) == [cert["subject"]]
