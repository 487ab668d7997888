"""Which certificate authorities a call to ServiceStage or IAM trusts, in this order:

1. the user's CA file: the editor's ``servicestage.caBundle`` or ``--ca-bundle FILE`` (only its certificates);
2. ``SSL_CERT_FILE`` (a PEM file) or ``SSL_CERT_DIR`` (an OpenSSL hashed directory) of the user's environment;
3. the operating system's trust store, through the ``truststore`` package as pip does (the Keychain on macOS, the
   certificate store on Windows, the distribution's CA file or directory elsewhere), so a CA that the machine's
   administrator installed is trusted;
4. certifi's copy of Mozilla's CA list when the operating system's store is not usable here (truststore missing
   or not supported by this Python, or no CA file or directory found on Linux and the like).

Nothing here comes from the repository: the editor takes ``caBundle`` only from user or machine settings.
"""

from __future__ import annotations

import os
import re
import ssl
import sys
from collections.abc import Mapping

#: Which CAs a context trusts (``tls_context``'s second value).
USER_FILE = "the CA file given by caBundle / --ca-bundle"
ENV_FILE = "the CA file SSL_CERT_FILE names"
ENV_DIR = "the CA directory SSL_CERT_DIR names"
SYSTEM = "the operating system's trust store (truststore)"
CERTIFI = "certifi's CA list"

# Where Linux and BSD distributions keep their CA list (truststore looks at the same places).
_CA_FILES = (
    "/etc/ssl/cert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/cert.pem",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/ca-bundle.pem",
)
_HASHED_NAME = re.compile(r"^[0-9a-fA-F]{8}\.[0-9]$")


def tls_context(ca_bundle: str | None, env: Mapping[str, str]) -> tuple[ssl.SSLContext, str]:
    """(the context every call uses, which CAs it trusts: one of the constants above). A file that cannot be read
    raises OSError or ssl.SSLError (the caller words it)."""
    if ca_bundle:
        return ssl.create_default_context(cafile=ca_bundle), USER_FILE
    cert_file = env.get("SSL_CERT_FILE", "").strip()
    if cert_file:
        return ssl.create_default_context(cafile=cert_file), ENV_FILE
    cert_dir = env.get("SSL_CERT_DIR", "").strip()
    if cert_dir:
        return ssl.create_default_context(capath=cert_dir), ENV_DIR
    system = system_context()
    if system is not None:
        return system, SYSTEM
    import certifi

    return ssl.create_default_context(cafile=certifi.where()), CERTIFI


def system_context() -> ssl.SSLContext | None:
    """An SSLContext that verifies with the operating system's trust store, or None when that is not usable."""
    try:
        import truststore
    except ImportError:  # not installed, or a Python without the certificate-chain API truststore needs
        return None
    if sys.platform not in ("darwin", "win32") and not openssl_store_found():
        return None
    try:
        return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    except (ssl.SSLError, OSError, ValueError):
        return None


def openssl_store_found() -> bool:
    """Whether OpenSSL's default CA file or directory, or a distribution's CA file, exists (truststore would
    otherwise trust nothing and every call would fail)."""
    defaults = ssl.get_default_verify_paths()
    if defaults.cafile:
        return True
    if defaults.capath and os.path.isdir(defaults.capath):
        try:
            if any(_HASHED_NAME.match(name) for name in os.listdir(defaults.capath)):
                return True
        except OSError:
            pass
    return any(os.path.isfile(path) for path in _CA_FILES)
