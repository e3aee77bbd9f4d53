"""Meta-tests that keep the HIPAA control catalog (rules/controls/*.yaml) honest.

Plain YAML + JSON Schema + python-hcl2 (a Checkov dependency); no pacscan imports, so the catalog
content is checked independently of the loader that consumes it.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hcl2
import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CONTROLS_DIR = ROOT / "rules" / "controls"
SCHEMA_PATH = ROOT / "scanner" / "schemas" / "catalog.schema.json"
RULES_PATH = ROOT / "rules.yaml"
SEED_PATH = Path("/work/shared/seed/hipaa-dental-imaging.txt")

SAFEGUARD_FILES = ("technical", "administrative", "physical", "privacy", "breach")

#: Automated controls, in catalog order: evidence consumers and rules/terraform-*.yaml use these ids.
AUTOMATED_IDS = (
    "ENC-REST",
    "ENC-KEYS",
    "TLS-STORAGE",
    "TLS-ENDPOINT",
    "NET-DICOM",
    "NET-ADMIN",
    "NET-STORAGE",
    "ACC-PUBLIC",
    "ACC-UNIFORM",
    "AUD-TRAIL",
    "AUD-ACCESS",
    "AUD-FLOW",
    "INT-VERSION",
    "INT-IMMUTABLE",
    "BAK-PLAN",
    "BAK-VAULT",
    "RET-LIFECYCLE",
    "IAM-MFA",
)

#: Security Rule paragraphs and their label in 45 CFR 164.306(d) / the appendix to subpart C.
#: Every Security Rule citation in the catalog must be listed here with the same label.
SECURITY_RULE_SPECS = {
    "164.308(a)(1)(i)": "standard",
    "164.308(a)(1)(ii)(A)": "required",  # risk analysis
    "164.308(a)(1)(ii)(B)": "required",  # risk management
    "164.308(a)(1)(ii)(C)": "required",  # sanction policy
    "164.308(a)(1)(ii)(D)": "required",  # information system activity review
    "164.308(a)(2)": "standard",  # assigned security responsibility
    "164.308(a)(3)(i)": "standard",
    "164.308(a)(3)(ii)(A)": "addressable",
    "164.308(a)(3)(ii)(B)": "addressable",
    "164.308(a)(3)(ii)(C)": "addressable",  # termination procedures
    "164.308(a)(4)(i)": "standard",
    "164.308(a)(4)(ii)(A)": "required",  # isolating clearinghouse functions
    "164.308(a)(4)(ii)(B)": "addressable",  # access authorization
    "164.308(a)(4)(ii)(C)": "addressable",  # access establishment and modification
    "164.308(a)(5)(i)": "standard",
    "164.308(a)(5)(ii)(A)": "addressable",  # security reminders
    "164.308(a)(5)(ii)(B)": "addressable",  # protection from malicious software
    "164.308(a)(5)(ii)(C)": "addressable",  # log-in monitoring
    "164.308(a)(5)(ii)(D)": "addressable",  # password management
    "164.308(a)(6)(i)": "standard",
    "164.308(a)(6)(ii)": "required",  # response and reporting
    "164.308(a)(7)(i)": "standard",
    "164.308(a)(7)(ii)(A)": "required",  # data backup plan
    "164.308(a)(7)(ii)(B)": "required",  # disaster recovery plan
    "164.308(a)(7)(ii)(C)": "required",  # emergency mode operation plan
    "164.308(a)(7)(ii)(D)": "addressable",  # testing and revision
    "164.308(a)(7)(ii)(E)": "addressable",  # applications and data criticality analysis
    "164.308(a)(8)": "standard",  # evaluation
    "164.308(b)(1)": "standard",
    "164.308(b)(2)": "standard",
    "164.308(b)(3)": "required",  # written contract or other arrangement
    "164.310(a)(1)": "standard",
    "164.310(a)(2)(i)": "addressable",
    "164.310(a)(2)(ii)": "addressable",
    "164.310(a)(2)(iii)": "addressable",
    "164.310(a)(2)(iv)": "addressable",
    "164.310(b)": "standard",
    "164.310(c)": "standard",
    "164.310(d)(1)": "standard",
    "164.310(d)(2)(i)": "required",  # disposal
    "164.310(d)(2)(ii)": "required",  # media re-use
    "164.310(d)(2)(iii)": "addressable",  # accountability
    "164.310(d)(2)(iv)": "addressable",  # data backup and storage
    "164.312(a)(1)": "standard",
    "164.312(a)(2)(i)": "required",  # unique user identification
    "164.312(a)(2)(ii)": "required",  # emergency access procedure
    "164.312(a)(2)(iii)": "addressable",  # automatic logoff
    "164.312(a)(2)(iv)": "addressable",  # encryption and decryption
    "164.312(b)": "standard",  # audit controls
    "164.312(c)(1)": "standard",
    "164.312(c)(2)": "addressable",  # mechanism to authenticate ePHI
    "164.312(d)": "standard",  # person or entity authentication
    "164.312(e)(1)": "standard",
    "164.312(e)(2)(i)": "addressable",  # integrity controls
    "164.312(e)(2)(ii)": "addressable",  # encryption
    "164.314(a)(1)": "standard",
    "164.314(a)(2)(i)": "required",
    "164.314(a)(2)(i)(B)": "required",
    "164.314(a)(2)(i)(C)": "required",
    "164.316(a)": "standard",
    "164.316(b)(1)": "standard",
    "164.316(b)(2)(i)": "required",  # time limit (six years)
    "164.316(b)(2)(ii)": "required",
    "164.316(b)(2)(iii)": "required",
}

#: Phrases from the seed's safeguards; each must appear in the seed and in some control's title
#: or rationale, so that no safeguard of the seed silently drops out of the catalog.
SEED_KEYWORDS = (
    "risk analysis",
    "risk management plan",
    "security official",
    "sanctions",
    "mobile devices",
    "removable media",
    "tele-dentistry",
    "remote access",
    "image sharing",
    "contingency plan",
    "emergency mode operations",
    "at least annually",
    "Business Associate Agreements",
    "subcontractor",
    "incident response",
    "unique user IDs",
    "role-based access",
    "emergency access",
    "multi-factor authentication",
    "review logs",
    "DICOM headers",
    "hashing or digital signatures",
    "secure DICOM transfers with TLS",
    "unencrypted email",
    "full-disk encryption",
    "encrypt backups",
    "Automatic logoff",
    "patch management",
    "default credentials",
    "Facility access",
    "privacy filters",
    "screen-lock",
    "inventory sensors",
    "secure transport",
    "certificates of destruction",
    "marketing",
    "minimum necessary",
    "30 days",
    "cost-based fees",
    "De-identify",
    "four-factor",
    "60 days",
    "Notify HHS",
    "prominent media",
    "breach log",
    "Business associates must notify",
    "safe harbor",
    "Segment imaging networks",
    "disable unnecessary services",
    "default passwords",
    "state law",
    "link expirations",
    "verify recipient addresses",
    "BYOD",
    "remote wipe",
    "hardware-encrypted",
    "custody logs",
    "geotagging",
    "EXIF",
    "write directly to secured servers",
    "patient identifiers in headers match",
    "Role-based training",
    "document attendance",
)

_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-"})


def _normalize(text: str) -> str:
    """Lower-case, with the seed's typographic hyphens (U+2010..U+2014) as ASCII hyphens."""
    return text.translate(_HYPHENS).lower()


CITATION_SECTION = re.compile(r"^45 CFR 16[04]\.\d+")
SECTION_PARTS = re.compile(r"^45 CFR (164\.(\d+))((?:\([0-9A-Za-z]+\))*)$")
ECFR_URL = re.compile(
    r"^https://www\.ecfr\.gov/current/title-45/subtitle-A/subchapter-C/part-164/"
    r"subpart-(?P<subpart>[A-E])/section-164\.(?P<section>\d+)$"
)


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys (plain safe_load keeps the last one)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_UniqueKeyLoader)  # a SafeLoader subclass


def _file(name: str) -> Path:
    return CONTROLS_DIR / f"{name}.yaml"


@functools.cache
def _controls_by_file() -> dict[str, list[dict[str, Any]]]:
    return {name: _load(_file(name))["controls"] for name in SAFEGUARD_FILES}


def _all_controls() -> list[dict[str, Any]]:
    return [c for controls in _controls_by_file().values() for c in controls]


def _by_id() -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in _all_controls()}


@functools.cache
def _parameter_defaults() -> dict[str, Any]:
    params = _load(RULES_PATH)["parameters"]
    return {name: spec["default"] for name, spec in params.items()}


def _walk(value: Any, key: str) -> Iterator[Any]:
    """Every value stored under ``key`` anywhere in a parsed HCL document (lists flattened)."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k == key:
                yield from (v if isinstance(v, list) else [v])
            yield from _walk(v, key)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, key)


def _hcl(control_id: str) -> dict[str, Any]:
    parsed: dict[str, Any] = hcl2.loads(_by_id()[control_id]["remediation"]["aws"]["terraform"])
    return parsed


def _citations() -> Iterator[tuple[str, dict[str, Any]]]:
    for control in _all_controls():
        for citation in control["citations"]:
            yield control["id"], citation


# --- structure -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SAFEGUARD_FILES)
def test_controls_file_validates_against_catalog_schema(name: str) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(_load(_file(name)))]
    assert errors == []


@pytest.mark.parametrize("name", SAFEGUARD_FILES)
def test_controls_in_a_file_have_that_files_safeguard(name: str) -> None:
    controls = _controls_by_file()[name]
    assert controls, f"{name}.yaml declares no controls"
    assert {c["id"]: c["safeguard"] for c in controls if c["safeguard"] != name} == {}


def test_control_ids_are_unique_across_files() -> None:
    ids = [c["id"] for c in _all_controls()]
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


def test_technical_file_starts_with_the_automated_controls_in_order() -> None:
    technical = _controls_by_file()["technical"]
    assert tuple(c["id"] for c in technical[: len(AUTOMATED_IDS)]) == AUTOMATED_IDS
    assert {c["id"] for c in technical[: len(AUTOMATED_IDS)] if c["evaluation"] != "automated"} == set()


def test_only_the_known_controls_are_automated() -> None:
    automated = {c["id"] for c in _all_controls() if c["evaluation"] == "automated"}
    assert automated == set(AUTOMATED_IDS)


def test_every_file_besides_technical_is_attestation_only() -> None:
    for name, controls in _controls_by_file().items():
        if name != "technical":
            assert {c["id"] for c in controls if c["evaluation"] != "attestation"} == set(), name


# --- remediation ---------------------------------------------------------------------------------


PROVIDER_CLI = {"aws": "aws", "azure": "az", "gcp": "gcloud"}
#: names that give a provider away: a fix for one provider names no other
PROVIDER_NAMES = {"aws": ("AWS", "Amazon"), "azure": ("Azure", "Microsoft", "Entra"), "gcp": ("GCP", "Google")}


@pytest.mark.parametrize("control_id", AUTOMATED_IDS)
def test_automated_control_has_a_fix_per_provider_and_an_aws_terraform_and_cli_one(control_id: str) -> None:
    remediation = _by_id()[control_id]["remediation"]
    assert set(PROVIDER_CLI) <= set(remediation), f"{control_id}: a fix for each of AWS, Azure and GCP"
    assert remediation["aws"].get("terraform", "").strip()
    assert remediation["aws"].get("cli", "").strip()
    assert "terraform" not in remediation and "cli" not in remediation, "snippets belong to one provider"
    for provider, fix in ((p, remediation[p]) for p in PROVIDER_CLI):
        if "cli" in fix:
            assert re.match(rf"^{PROVIDER_CLI[provider]} ", fix["cli"]), f"{control_id}: {provider} cli"


@pytest.mark.parametrize("control_id", AUTOMATED_IDS)
def test_automated_terraform_snippet_is_hcl_with_an_aws_block(control_id: str) -> None:
    parsed = _hcl(control_id)
    blocks = [name for kind in ("resource", "data") for block in parsed.get(kind, []) for name in block]
    assert blocks, f"{control_id}: no resource or data block"
    assert all(name.startswith("aws_") for name in blocks), f"{control_id}: the AWS snippet is AWS only"


@pytest.mark.parametrize("control_id", AUTOMATED_IDS)
def test_each_providers_fix_names_no_other_provider_and_the_neutral_text_none(control_id: str) -> None:
    """The report shows an S3 bucket the AWS fix only: a fix that also says "Azure: ..." or "GCP: ..."
    is what the compliance officer complained about."""
    remediation = _by_id()[control_id]["remediation"]
    mixed = []
    for provider in PROVIDER_CLI:
        others = [n for p, names in PROVIDER_NAMES.items() if p != provider for n in names]
        text = " ".join(str(v) for v in remediation[provider].values())
        mixed += [(provider, n) for n in others if re.search(rf"\b{n}\b", text)]
    every_name = [n for names in PROVIDER_NAMES.values() for n in names]
    mixed += [("text", n) for n in every_name if re.search(rf"\b{n}\b", remediation["text"])]
    assert mixed == []


def test_attestation_controls_say_what_to_attest_and_carry_no_terraform() -> None:
    problems = {}
    for control in _all_controls():
        if control["evaluation"] != "attestation":
            continue
        remediation = control["remediation"]
        text = remediation["text"]
        if "terraform" in remediation:
            problems[control["id"]] = "has a terraform snippet"
        elif not ("Attest with:" in text and "attested_by:" in text and re.search(r"Renew every \d+", text)):
            problems[control["id"]] = "text lacks evidence / signer / renewal period"
    assert problems == {}


# --- the snippets obey the catalog parameters ----------------------------------------------------


def test_object_lock_snippet_retains_at_least_min_retention_days() -> None:
    days = list(_walk(_hcl("INT-IMMUTABLE"), "days"))
    assert days and min(days) >= _parameter_defaults()["min_retention_days"]


def test_lifecycle_snippet_never_expires_before_min_retention_days() -> None:
    parsed = _hcl("RET-LIFECYCLE")
    expirations = [d for e in _walk(parsed, "expiration") for d in _walk(e, "days")]
    noncurrent = list(_walk(parsed, "noncurrent_days"))
    assert expirations and noncurrent
    assert min(expirations + noncurrent) >= _parameter_defaults()["min_retention_days"]


@pytest.mark.parametrize(("control_id", "key"), [("BAK-PLAN", "delete_after"), ("BAK-VAULT", "min_retention_days")])
def test_backup_snippets_keep_at_least_min_backup_retention_days(control_id: str, key: str) -> None:
    values = list(_walk(_hcl(control_id), key))
    assert values and min(values) >= _parameter_defaults()["min_backup_retention_days"]


def test_endpoint_snippet_uses_a_tls12_policy_and_redirects_http() -> None:
    parsed = _hcl("TLS-ENDPOINT")
    assert list(_walk(parsed, "ssl_policy")) == ["ELBSecurityPolicy-TLS13-1-2-2021-06"]
    assert "HTTPS" in list(_walk(parsed, "protocol"))
    assert list(_walk(parsed, "status_code")) == ["HTTP_301"]


@pytest.mark.parametrize("control_id", ["NET-DICOM", "NET-ADMIN"])
def test_network_snippets_never_open_to_the_internet(control_id: str) -> None:
    parsed = _hcl(control_id)
    sources = [v for key in ("cidr_ipv4", "cidr_ipv6", "cidr_blocks", "ipv6_cidr_blocks") for v in _walk(parsed, key)]
    assert sources, f"{control_id}: the snippet shows no restricted source"
    assert [v for v in sources if str(v) in ("0.0.0.0/0", "::/0")] == []


# --- parameters are named where they apply -------------------------------------------------------


def test_net_dicom_rationale_names_dicom_ports_and_every_default_port() -> None:
    rationale = _by_id()["NET-DICOM"]["rationale"]
    ports = _parameter_defaults()["dicom_ports"]
    assert "dicom_ports" in rationale
    assert [p for p in ports if not re.search(rf"\b{p}\b", rationale)] == []


def test_net_admin_rationale_names_admin_ports_and_every_default_port() -> None:
    rationale = _by_id()["NET-ADMIN"]["rationale"]
    assert "admin_ports" in rationale
    assert [p for p in _parameter_defaults()["admin_ports"] if not re.search(rf"\b{p}\b", rationale)] == []


@pytest.mark.parametrize(
    ("parameter", "control_ids"),
    [
        ("min_tls_version", ("TLS-STORAGE", "TLS-ENDPOINT")),
        ("min_retention_days", ("INT-IMMUTABLE", "RET-LIFECYCLE")),
        ("min_backup_retention_days", ("BAK-PLAN", "BAK-VAULT")),
        (
            "imaging_data",
            (
                "ENC-REST",
                "TLS-STORAGE",
                "NET-STORAGE",
                "ACC-PUBLIC",
                "ACC-UNIFORM",
                "AUD-ACCESS",
                "INT-VERSION",
                "INT-IMMUTABLE",
                "BAK-PLAN",
                "RET-LIFECYCLE",
            ),
        ),
    ],
)
def test_rationale_names_the_catalog_parameter(parameter: str, control_ids: tuple[str, ...]) -> None:
    assert parameter in _parameter_defaults()
    assert [i for i in control_ids if parameter not in _by_id()[i]["rationale"]] == []


def test_retention_rationales_state_the_default_retention() -> None:
    default = str(_parameter_defaults()["min_retention_days"])
    assert [i for i in ("INT-IMMUTABLE", "RET-LIFECYCLE") if default not in _by_id()[i]["rationale"]] == []


# --- citations -----------------------------------------------------------------------------------


def test_every_citation_section_is_a_45_cfr_part_160_or_164_section() -> None:
    bad = [(cid, c["section"]) for cid, c in _citations() if not CITATION_SECTION.match(c["section"])]
    assert bad == []


def test_every_citation_section_is_well_formed() -> None:
    bad = [(cid, c["section"]) for cid, c in _citations() if not SECTION_PARTS.match(c["section"])]
    assert bad == []


def test_security_rule_citations_carry_the_regulation_label() -> None:
    wrong = {}
    for control_id, citation in _citations():
        ref = citation["section"].removeprefix("45 CFR ")
        if re.match(r"^164\.3(0[6-9]|1[0-8])\b", ref):
            expected = SECURITY_RULE_SPECS.get(ref, "<not in SECURITY_RULE_SPECS>")
            if citation["specification"] != expected:
                wrong[f"{control_id} {ref}"] = (citation["specification"], expected)
    assert wrong == {}


def test_privacy_and_breach_rule_citations_are_never_addressable() -> None:
    bad = [
        (cid, c["section"])
        for cid, c in _citations()
        if re.match(r"^45 CFR 164\.(4|5)\d\d", c["section"]) and c["specification"] == "addressable"
    ]
    assert bad == []


def test_each_section_has_one_label_across_the_catalog() -> None:
    seen: dict[str, set[str]] = {}
    for _, citation in _citations():
        seen.setdefault(citation["section"], set()).add(citation["specification"])
    assert {section: labels for section, labels in seen.items() if len(labels) > 1} == {}


def test_key_security_rule_specifications_from_the_brief() -> None:
    # The labels most often got wrong, pinned independently of SECURITY_RULE_SPECS.
    expected = {
        "45 CFR 164.312(a)(2)(i)": "required",
        "45 CFR 164.312(a)(2)(ii)": "required",
        "45 CFR 164.312(a)(2)(iii)": "addressable",
        "45 CFR 164.312(a)(2)(iv)": "addressable",
        "45 CFR 164.312(b)": "standard",
        "45 CFR 164.312(c)(2)": "addressable",
        "45 CFR 164.312(e)(2)(i)": "addressable",
        "45 CFR 164.312(e)(2)(ii)": "addressable",
        "45 CFR 164.308(a)(1)(ii)(A)": "required",
        "45 CFR 164.308(a)(7)(ii)(A)": "required",
    }
    found = {c["section"]: c["specification"] for _, c in _citations() if c["section"] in expected}
    assert found == expected


# --- references ----------------------------------------------------------------------------------


def test_every_reference_is_https() -> None:
    bad = [(c["id"], r) for c in _all_controls() for r in c.get("references", []) if not r.startswith("https://")]
    assert bad == []


def test_ecfr_references_use_the_right_subpart() -> None:
    def subpart(section: int) -> str:
        return "C" if section < 400 else "D" if section < 500 else "E"

    bad = []
    for control in _all_controls():
        for ref in control.get("references", []):
            match = ECFR_URL.match(ref)
            if ref.startswith("https://www.ecfr.gov/") and (
                match is None or match["subpart"] != subpart(int(match["section"]))
            ):
                bad.append((control["id"], ref))
    assert bad == []


def test_every_control_links_the_ecfr_text_of_a_section_it_cites() -> None:
    missing = []
    for control in _all_controls():
        cited = {m.group(2) for c in control["citations"] if (m := SECTION_PARTS.match(c["section"]))}
        linked = {m["section"] for r in control.get("references", []) if (m := ECFR_URL.match(r))}
        if not cited & linked:
            missing.append(control["id"])
    assert missing == []


# --- the catalog stays tied to the seed ----------------------------------------------------------


@pytest.mark.parametrize("keyword", SEED_KEYWORDS)
def test_seed_safeguard_is_covered_by_a_control(keyword: str) -> None:
    seed = SEED_PATH.read_text(encoding="utf-8") if SEED_PATH.is_file() else None
    if seed is not None:
        assert _normalize(keyword) in _normalize(seed), f"{keyword!r} is no longer in the seed text"
    covering = [
        c["id"] for c in _all_controls() if _normalize(keyword) in _normalize(f"{c['title']}\n{c['rationale']}")
    ]
    assert covering, f"no control title or rationale covers the seed safeguard {keyword!r}"


def test_every_rationale_quotes_or_names_the_seed() -> None:
    # Each control ties itself to a seed bullet with an explicit "Implements the seed's ...".
    assert [c["id"] for c in _all_controls() if "the seed's" not in c["rationale"]] == []


# --- terraform validate (real provider schema), when terraform and a provider mirror exist -------

_PLUGIN_DIR = Path(os.environ.get("PACSCAN_TF_PLUGIN_DIR", "/opt/tf-plugins"))

#: Minimal declarations for what the snippets reference but do not declare themselves.
_CONTEXT = """
variable "region" {
  default = "us-east-1"
}
variable "clinic_vpn_cidr" {
  default = "10.20.0.0/16"
}
variable "admin_vpn_cidr" {
  default = "10.30.0.0/16"
}
resource "aws_s3_bucket" "imaging" {}
resource "aws_s3_bucket" "audit_logs" {}
resource "aws_s3_bucket" "access_logs" {}
resource "aws_s3_bucket" "flow_logs" {}
resource "aws_kms_key" "imaging" {}
resource "aws_kms_key" "audit" {}
resource "aws_vpc" "imaging" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_route_table" "private" {
  vpc_id = aws_vpc.imaging.id
}
resource "aws_security_group" "pacs" {
  vpc_id = aws_vpc.imaging.id
}
resource "aws_iam_role" "pacs" {
  assume_role_policy = "{}"
}
resource "aws_iam_role" "backup" {
  assume_role_policy = "{}"
}
resource "aws_iam_group" "admins" {
  name = "admins"
}
resource "aws_lb" "viewer" {
  subnets = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
}
resource "aws_lb_target_group" "viewer" {}
resource "aws_acm_certificate" "viewer" {
  domain_name       = "viewer.example.com"
  validation_method = "DNS"
}
resource "aws_backup_vault" "imaging" {
  name = "imaging-phi"
}
resource "aws_backup_vault" "imaging_dr" {
  name = "imaging-phi-dr"
}
"""
_DECLARED = re.compile(r'^(resource|data|variable)\s+"([\w-]+)"(?:\s+"([\w-]+)")?', re.MULTILINE)
_TOP_LEVEL_BLOCK = re.compile(r"^(?=resource |data |variable )", re.MULTILINE)


def _declared(hcl: str) -> set[tuple[str, str, str]]:
    return {(kind, a, b or "") for kind, a, b in _DECLARED.findall(hcl)}


def _module_source(snippet: str) -> str:
    """The snippet plus the context blocks it references but does not declare itself."""
    declared = _declared(snippet)
    blocks = [b for b in _TOP_LEVEL_BLOCK.split(_CONTEXT) if b.strip()]
    context = [b for b in blocks if not _declared(b) & declared]
    return snippet + "\n" + "".join(context)


@pytest.mark.skipif(
    shutil.which("terraform") is None or not _PLUGIN_DIR.is_dir(),
    reason="needs terraform and a local provider mirror (PACSCAN_TF_PLUGIN_DIR, default /opt/tf-plugins)",
)
def test_terraform_snippets_pass_terraform_validate_and_fmt(tmp_path: Path) -> None:
    root = [
        'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}',
        'provider "aws" {\n  region = "us-east-1"\n}',
    ]
    for control_id in AUTOMATED_IDS:
        snippet = _by_id()[control_id]["remediation"]["aws"]["terraform"]
        module_dir = tmp_path / "modules" / control_id
        module_dir.mkdir(parents=True)
        (module_dir / "main.tf").write_text(_module_source(snippet), encoding="utf-8")
        root.append(f'module "{control_id.lower().replace("-", "_")}" {{\n  source = "./modules/{control_id}"\n}}')
    (tmp_path / "main.tf").write_text("\n\n".join(root) + "\n", encoding="utf-8")
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}

    def run(*args: str, cwd: Path = tmp_path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["terraform", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)

    init = run("init", "-backend=false", "-input=false", f"-plugin-dir={_PLUGIN_DIR}")
    assert init.returncode == 0, init.stderr
    validate = run("validate", "-no-color")
    assert validate.returncode == 0, validate.stdout + validate.stderr
    unformatted = []
    for control_id in AUTOMATED_IDS:
        snippet_file = tmp_path / "modules" / control_id / "snippet.tf"
        snippet_file.write_text(_by_id()[control_id]["remediation"]["aws"]["terraform"], encoding="utf-8")
        if run("fmt", "-check", str(snippet_file)).returncode != 0:
            unformatted.append(control_id)
    assert unformatted == []


# --- attestation controls a probe can judge (probed_by) ------------------------------------------


@functools.cache
def _kinds_and_rules() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    kinds: dict[str, Any] = {}
    for path in sorted((ROOT / "rules" / "facts").glob("*.yaml")):
        kinds.update(_load(path).get("kinds", {}))
    rules = [rule for path in sorted((ROOT / "rules").rglob("*.yaml")) for rule in (_load(path) or {}).get("rules", [])]
    return kinds, rules


def test_only_attestation_controls_are_probed() -> None:
    assert [c["id"] for c in _all_controls() if c.get("probed_by") and c["evaluation"] != "attestation"] == []


def test_the_probed_controls() -> None:
    probed = {c["id"]: c["probed_by"] for c in _all_controls() if c.get("probed_by")}
    assert probed == {"TEC-DICOM-TLS": ["dicom-probe"], "TEC-DICOM-PEER-AUTH": ["dicom-probe"],
                      "TEC-EXIF-PURGE": ["deid"], "PRV-DEIDENTIFY": ["deid"]}


def test_every_probe_a_control_names_has_a_rule_judging_it() -> None:
    kinds, rules = _kinds_and_rules()
    missing = [(c["id"], source) for c in _all_controls() for source in c.get("probed_by", [])
               if not any(c["id"] in r["controls"] and source in kinds[r["resource"]]["produced_by"] for r in rules)]
    assert missing == []


def test_an_attestation_control_is_judged_only_by_inputs_it_names() -> None:
    kinds, rules = _kinds_and_rules()
    by_id = _by_id()
    wrong = [(r["id"], cid) for r in rules for cid in r["controls"] if by_id[cid]["evaluation"] == "attestation"
             and not set(kinds[r["resource"]]["produced_by"]) <= set(by_id[cid].get("probed_by", []))]
    assert wrong == []


def test_a_probed_control_says_how_to_fix_before_what_to_attest() -> None:
    texts = {c["id"]: c["remediation"]["text"] for c in _all_controls() if c.get("probed_by")}
    assert [cid for cid, text in texts.items() if text.startswith("Attest with:")] == []


def test_a_probed_control_names_its_command_in_the_rationale() -> None:
    commands = {"dicom-probe": "pacscan probe dicom", "deid": "pacscan deid"}
    assert [c["id"] for c in _all_controls() for s in c.get("probed_by", [])
            if commands[s] not in c["rationale"]] == []
