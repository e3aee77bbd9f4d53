"""tenants.yaml: schema, secrets and parameter overrides, each error naming file and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scanner.catalog import Catalog
from scanner.tenants import TenantsError, load_tenants

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tenants.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tenants.yaml"
    path.write_text(text.lstrip("\n"), encoding="utf-8")
    return path


def test_the_documented_example_loads(catalog: Catalog) -> None:
    tenants = load_tenants(EXAMPLE, catalog)
    by_name = {t.name: t for t in tenants}
    assert by_name["bright-smiles"].aws is not None
    assert by_name["bright-smiles"].parameters["min_retention_days"] == 3650
    org = by_name["elm-endo"].aws
    assert org is not None and org.organizations is not None and org.organizations.role_name
    assert by_name["elm-endo"].clouds == ("aws", "azure", "gcp")


def test_a_full_entry_is_read_into_typed_access(tmp_path: Path, catalog: Catalog) -> None:
    path = write(tmp_path, """
tenants:
  - name: alpha
    tags: {tier: gold}
    parameters: {dicom_ports: [104, 4242], imaging_data: {name_patterns: ["pacs-*"]}}
    aws: {role_arn: "arn:aws:iam::111111111111:role/Audit", external_id: alpha-ext-01, regions: [us-east-1]}
  - name: beta
    azure: {tenant: beta.example, subscriptions: [s1], client_id_env: BETA_ID, client_secret_env: BETA_SECRET}
    gcp: {projects: [beta-imaging], key_file_env: BETA_GCP_KEY}
""")
    alpha, beta = load_tenants(path, catalog)
    assert alpha.aws is not None and alpha.aws.external_id == "alpha-ext-01" and alpha.aws.regions == ("us-east-1",)
    assert alpha.parameters == {"dicom_ports": [104, 4242], "imaging_data": {"name_patterns": ["pacs-*"]}}
    assert alpha.tags == {"tier": "gold"} and alpha.line == 2
    assert beta.azure is not None and beta.azure.client_secret_env == "BETA_SECRET"
    assert beta.gcp is not None and beta.gcp.projects == ("beta-imaging",) and beta.line == 6


@pytest.mark.parametrize(("body", "line", "message"), [
    ("  - name: a\n    aws: {profile: p}\n    azure: {tenant: t, color: blue}\n", 4, "unknown key"),
    ("  - name: a\n    aws: {profile: p}\n  - name: a\n    aws: {profile: q}\n", 4, "listed twice"),
    ("  - name: Bad Name\n    aws: {profile: p}\n", 2, "tenants.0.name"),
    ("  - name: a\n    tags: {x: 1}\n    aws: {profile: p}\n", 3, "tenants.0.tags.x"),
    ("  - name: a\n    aws: {role_arn: not-an-arn}\n", 3, "tenants.0.aws.role_arn"),
    ("  - name: a\n    tags: {x: y}\n", 2, "tenants.0"),  # no cloud at all
    ("  - name: a\n    aws: {role_arn: 'arn:aws:iam::111111111111:role/r', external_id: abcd,\n"
     "          external_id_env: EXT}\n", 3, "tenants.0.aws"),
])
def test_schema_errors_name_file_and_line(tmp_path: Path, catalog: Catalog, body: str, line: int,
                                           message: str) -> None:
    path = write(tmp_path, "tenants:\n" + body)
    with pytest.raises(TenantsError) as caught:
        load_tenants(path, catalog)
    assert caught.value.path == str(path)
    assert caught.value.line == line, str(caught.value)
    assert message in str(caught.value)


@pytest.mark.parametrize(("override", "message"), [
    ("min_retention_dayz: 10", "tenants[0].parameters.min_retention_dayz: unknown parameter"),
    ("min_retention_days: 0", "tenants[0].parameters.min_retention_days: 0 is less than the minimum of 1"),
    ("dicom_ports: [104, 70000]", "tenants[0].parameters.dicom_ports"),
    ("imaging_data: {tagz: {}}", "tenants[0].parameters.imaging_data"),
])
def test_parameter_overrides_are_checked_against_the_catalog_schemas(tmp_path: Path, catalog: Catalog,
                                                                      override: str, message: str) -> None:
    path = write(tmp_path, f"""
tenants:
  - name: ok
    aws: {{profile: p}}
  - name: a
    aws: {{profile: p}}
    parameters:
      {override}
""".replace("tenants[0]", "tenants[1]"))
    with pytest.raises(TenantsError) as caught:
        load_tenants(path, catalog)
    assert caught.value.line == 7
    assert message.replace("tenants[0]", "tenants[1]") in str(caught.value)


SECRETS = [
    ("aws: {profile: p, secret_access_key: hunter2hunter2}", "hunter2hunter2", "secret_access_key"),
    ("azure: {tenant: t, client_secret: pl41n-t3xt-s3cret}", "pl41n-t3xt-s3cret", "client_secret"),
    ("tags: {password: Tr0ub4dor}", "Tr0ub4dor", "password"),
    ("tags: {token: abc123def}", "abc123def", "token"),
    ("tags: {note: AKIAIOSFODNN7EXAMPLE}", "AKIAIOSFODNN7EXAMPLE", "AWS access key id"),
    ("tags: {note: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY}", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
     "AWS secret access key"),
    ("tags: {note: '-----BEGIN PRIVATE KEY----- MIIEv'}", "MIIEv", "PEM block"),
    ("tags: {note: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJlc2ln}", "eyJhbGciOiJIUzI1NiJ9",
     "JSON Web Token"),
    ("tags: {note: abc8Q~DEFGHIJKLMNOPQRSTUVWXYZabcdefghijk}", "abc8Q~", "Azure client secret"),
]


@pytest.mark.parametrize(("entry", "value", "what"), SECRETS)
def test_a_literal_secret_is_rejected_by_line_and_key_without_echoing_it(tmp_path: Path, catalog: Catalog,
                                                                          entry: str, value: str, what: str) -> None:
    aws = "" if entry.startswith("aws") else "    aws: {profile: p}\n"
    path = write(tmp_path, f"tenants:\n  - name: a\n{aws}    {entry}\n")
    with pytest.raises(TenantsError) as caught:
        load_tenants(path, catalog)
    text = str(caught.value)
    assert caught.value.line == (4 if aws else 3), text
    assert what in text and "secrets must not be stored" in text
    assert value not in text


def test_secrets_are_checked_before_the_schema(tmp_path: Path, catalog: Catalog) -> None:
    """An unknown key holding a secret is reported as a secret, not merely as an unknown key."""
    path = write(tmp_path, "tenants:\n  - name: a\n    aws: {profile: p, aws_secret_access_key: s3cr3tv4lue}\n")
    with pytest.raises(TenantsError, match=re.escape("tenants.0.aws.aws_secret_access_key: looks like a literal")):
        load_tenants(path, catalog)


@pytest.mark.parametrize("entry", [
    "aws: {role_arn: 'arn:aws:iam::111111111111:role/PacscanReadOnly', external_id: 'MSP-7f3a9c2e'}",
    "azure: {tenant: t, client_secret_env: CLIENT_SECRET, client_id_env: CLIENT_ID}",
    "aws: {profile: p}\n    tags: {commit: 0123456789abcdef0123456789abcdef01234567}",
])
def test_references_and_ordinary_values_are_not_secrets(tmp_path: Path, catalog: Catalog, entry: str) -> None:
    path = write(tmp_path, f"tenants:\n  - name: a\n    {entry}\n")
    assert [t.name for t in load_tenants(path, catalog)] == ["a"]


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty file"),
    ("tenants: []\n", "should be non-empty"),
    ("tenants:\n  - name: a\n    aws: [\n", "invalid YAML"),
])
def test_empty_and_broken_files(tmp_path: Path, catalog: Catalog, text: str, message: str) -> None:
    path = tmp_path / "tenants.yaml"
    path.write_text(text)
    with pytest.raises(TenantsError, match=re.escape(message)):
        load_tenants(path, catalog)
