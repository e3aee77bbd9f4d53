"""Credential selection: secrets come only from the environment variables the config names."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.collectors.azure.credentials import AzureTarget, build_credential
from scanner.collectors.base import CollectorError


def test_default_chain_without_a_service_principal() -> None:
    from azure.identity import DefaultAzureCredential

    assert isinstance(build_credential(AzureTarget(), environ={}), DefaultAzureCredential)


def test_client_secret_comes_from_the_named_variable() -> None:
    from azure.identity import ClientSecretCredential

    target = AzureTarget(tenant="00000000-0000-0000-0000-00000000feed", client_id_env="PACS_ID",
                         client_secret_env="PACS_SECRET")
    credential = build_credential(target, environ={"PACS_ID": "app-id", "PACS_SECRET": "s3cr3t-value"})
    assert isinstance(credential, ClientSecretCredential)
    assert "s3cr3t-value" not in repr(target)


def test_missing_secret_variable_is_a_clear_error_naming_the_variable() -> None:
    target = AzureTarget(tenant="t", client_id_env="PACS_ID", client_secret_env="PACS_SECRET", label="clinic")
    with pytest.raises(CollectorError, match="PACS_SECRET is not set"):
        build_credential(target, environ={"PACS_ID": "app-id"})


def test_service_principal_needs_a_tenant() -> None:
    with pytest.raises(CollectorError, match="needs --tenant"):
        build_credential(AzureTarget(client_id_env="I", client_secret_env="S"), environ={"I": "a", "S": "b"})


def test_certificate_credential(tmp_path: Path) -> None:
    import datetime

    from azure.identity import CertificateCredential
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pacscan sp")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    bundle = tmp_path / "sp.pem"
    bundle.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()) + cert.public_bytes(serialization.Encoding.PEM))
    target = AzureTarget(tenant="00000000-0000-0000-0000-00000000feed", client_id_env="I",
                         certificate_path_env="CERT")
    assert isinstance(build_credential(target, environ={"I": "app", "CERT": str(bundle)}), CertificateCredential)
