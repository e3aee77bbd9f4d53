"""``pacscan probe dicom`` against real pynetdicom SCPs on loopback: facts and verdicts."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from scanner.catalog import load_catalog
from scanner.collectors.dicom import DicomProbe, Endpoint, ProbeOptions, parse_endpoint
from scanner.engine.evaluate import evaluate_inventory
from scanner.errors import TargetError
from scanner.facts.resource import Resource
from scanner.models import Finding

FAST = ProbeOptions(timeout=1.0)


def probe(port: int, options: ProbeOptions = FAST) -> tuple[Resource, dict[str, str]]:
    inventory = DicomProbe([Endpoint("127.0.0.1", port)], options).collect()
    assert inventory.inputs == ("dicom-probe",)
    catalog = load_catalog()
    findings = evaluate_inventory(catalog, catalog.defaults(), inventory, "dicom")
    return inventory.resources[0], verdicts(findings)


def verdicts(findings: Sequence[Finding]) -> dict[str, str]:
    return {f.check_id: f.status.value for f in findings}


def test_an_open_plain_pacs_fails_every_rule_and_shows_only_counts(open_scp: int) -> None:
    resource, found = probe(open_scp)
    assert resource.id == f"dicom://127.0.0.1:{open_scp}" and resource.source == "dicom-probe"
    assert resource.facts == {
        "speaks_dicom": True, "plain_dicom_answered": True, "plain_association_accepted": True,
        "tls_offered": False, "tls_required": False, "tls_version": None, "tls_lowest_version": None,
        "unknown_ae_accepted": True, "echo_succeeded": True, "find_succeeded": True, "find_result_count": 3,
        "find_result_count_capped": False,
    }
    assert found == {"DICOM-TLS-REQUIRED": "fail", "DICOM-TLS-VERSION": "not_applicable",
                     "DICOM-UNKNOWN-AE": "fail", "DICOM-ANONYMOUS-FIND": "fail"}


def test_the_patient_count_stops_at_max_results(open_scp: int) -> None:
    resource, _ = probe(open_scp, ProbeOptions(timeout=1.0, max_results=2))
    assert resource.facts["find_result_count"] == 2 and resource.facts["find_result_count_capped"] is True


def test_tls_only_with_known_peers_passes(tls_scp: int) -> None:
    resource, found = probe(tls_scp)
    assert resource.facts["plain_dicom_answered"] is False and resource.facts["tls_required"] is True
    assert resource.facts["tls_version"] == "1.3" and resource.facts["tls_lowest_version"] == "1.2"
    assert resource.facts["unknown_ae_accepted"] is False and resource.facts["find_succeeded"] is False
    assert set(found.values()) == {"pass"}


def test_tls_that_still_accepts_tls_1_0_fails_the_version_rule(legacy_tls_scp: int) -> None:
    resource, found = probe(legacy_tls_scp)
    assert resource.facts["tls_lowest_version"] == "1.0"
    assert found["DICOM-TLS-REQUIRED"] == "pass" and found["DICOM-TLS-VERSION"] == "fail"


def test_min_tls_version_1_3_fails_a_1_2_endpoint(tls_scp: int) -> None:
    inventory = DicomProbe([Endpoint("127.0.0.1", tls_scp)], FAST).collect()
    catalog = load_catalog()
    found = verdicts(evaluate_inventory(catalog, {**catalog.defaults(), "min_tls_version": "1.3"}, inventory,
                                        "dicom"))
    assert found["DICOM-TLS-VERSION"] == "fail"


def test_an_scp_rejecting_unknown_ae_titles(strict_scp: int) -> None:
    resource, found = probe(strict_scp)
    assert resource.facts["plain_dicom_answered"] is True and resource.facts["plain_association_accepted"] is False
    assert resource.facts["unknown_ae_accepted"] is False and resource.facts["echo_succeeded"] is False
    assert found == {"DICOM-TLS-REQUIRED": "fail", "DICOM-TLS-VERSION": "not_applicable",
                     "DICOM-UNKNOWN-AE": "pass", "DICOM-ANONYMOUS-FIND": "pass"}


def test_known_titles_open_the_clear_text_association(strict_scp: int) -> None:
    resource, _ = probe(strict_scp, ProbeOptions(timeout=1.0, calling_ae="MODALITY1", called_ae="PACS"))
    assert resource.facts["plain_association_accepted"] is True and resource.facts["unknown_ae_accepted"] is False


def test_a_refused_port_is_an_error_never_a_pass(closed_port: int) -> None:
    resource, found = probe(closed_port)
    assert set(resource.errors.values()) == {"connection refused"}
    assert set(found.values()) == {"error"}


def test_a_silent_port_is_an_error_naming_the_timeout(silent_port: int) -> None:
    resource, found = probe(silent_port, ProbeOptions(timeout=0.5))
    assert {why.split(" (")[0] for why in resource.errors.values()} == {"timed out after 0.5 s"}
    assert set(found.values()) == {"error"}


def test_a_port_that_answers_but_not_in_dicom_is_not_applicable(banner_port: int) -> None:
    resource, found = probe(banner_port)
    assert resource.facts["speaks_dicom"] is False and not resource.errors
    assert set(found.values()) == {"not_applicable"}


def test_endpoints_are_probed_concurrently_in_the_order_given(open_scp: int, closed_port: int) -> None:
    messages: list[str] = []
    options = ProbeOptions(timeout=1.0, concurrency=2)
    inventory = DicomProbe([Endpoint("127.0.0.1", closed_port), Endpoint("127.0.0.1", open_scp)],
                           options).collect(messages.append)
    assert [r.name for r in inventory.resources] == [f"127.0.0.1:{closed_port}", f"127.0.0.1:{open_scp}"]
    assert len(messages) == 2 and all(m.startswith("DICOM probe: ") for m in messages)


@pytest.mark.parametrize(("text", "host", "port"), [
    ("pacs.clinic.example", "pacs.clinic.example", 104), ("10.0.0.5:11112", "10.0.0.5", 11112),
    ("[::1]:2762", "::1", 2762), ("::1", "::1", 104), ("PACS-01:4242", "PACS-01", 4242),
])
def test_endpoint_arguments(text: str, host: str, port: int) -> None:
    assert parse_endpoint(text) == Endpoint(host, port)


@pytest.mark.parametrize("text", ["", "host:0", "host:70000", "host:http", "[::1", "[pacs]:104", "a b", "-x:104",
                                  "[::1]x"])
def test_bad_endpoint_arguments_are_one_line_input_errors(text: str) -> None:
    with pytest.raises(TargetError) as caught:
        parse_endpoint(text)
    assert "\n" not in str(caught.value)


