"""Each client's own attestations.yaml: evaluated per tenant, included in its evidence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scanner.errors import AttestationError
from scanner.models import Evaluation, Status
from scanner.tenants import load_tenants
from tests.conftest import write_tree

TENANTS = """\
tenants:
  - name: bright-smiles
    attestations: clients/bright-smiles/attestations.yaml
    aws: {role_arn: "arn:aws:iam::111111111111:role/pacscan", regions: [us-east-1]}
  - name: elm-endo
    aws: {role_arn: "arn:aws:iam::222222222222:role/pacscan", regions: [us-east-1]}
"""
ATTESTED = """\
attestations:
  - control: ADM-RISK-ANALYSIS
    attested_by: Dr. A. Rivera, security official
    date: "2026-03-02"
    evidence: risk/2026-imaging-risk-analysis.pdf
    expires: "2027-03-02"
  - control: ADM-BAA
    attested_by: Office manager
    date: "2025-01-10"
    evidence: baa-register.xlsx
    expires: "2026-01-10"
"""


def test_a_tenant_attestations_are_evaluated_for_that_tenant_only(tmp_path: Path, catalog) -> None:  # type: ignore[no-untyped-def]
    write_tree(tmp_path, {"tenants.yaml": TENANTS, "clients/bright-smiles/attestations.yaml": ATTESTED})
    bright, elm = load_tenants(tmp_path / "tenants.yaml", catalog, dt.date(2026, 11, 25))
    assert bright.attested is not None and elm.attested is None
    statuses = {f.control_id: f.status for f in bright.attested}
    assert statuses["ADM-RISK-ANALYSIS"] is Status.ATTESTED and statuses["ADM-BAA"] is Status.EXPIRED
    attestable = {c.id for c in catalog.controls if c.evaluation is Evaluation.ATTESTATION}
    assert set(statuses) == attestable, "every attestation control is in the tenant's evidence"
    assert {statuses[c] for c in attestable - {"ADM-RISK-ANALYSIS", "ADM-BAA"}} == {Status.MISSING}


def test_a_broken_tenant_attestation_file_names_its_file_and_line(tmp_path: Path, catalog) -> None:  # type: ignore[no-untyped-def]
    write_tree(tmp_path, {"tenants.yaml": TENANTS,
                          "clients/bright-smiles/attestations.yaml": ATTESTED.replace("ADM-BAA", "ADM-NOPE")})
    with pytest.raises(AttestationError, match=r"bright-smiles/attestations.yaml:7: .*unknown control ADM-NOPE"):
        load_tenants(tmp_path / "tenants.yaml", catalog)
