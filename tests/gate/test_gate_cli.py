"""The CI gate end to end through the CLI: thresholds, unknowns, baselines, waivers, skips, --since."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from scanner.cli import main
from tests.conftest import write_tree

SG = """\
resource "aws_security_group" "{name}" {{
  name = "{name}"
  ingress {{
    from_port   = {port}
    to_port     = {port}
    protocol    = "tcp"
    cidr_blocks = ["{cidr}"]
  }}
}}
"""


def sg(name: str, port: int = 4242, cidr: str = "0.0.0.0/0", skip: str = "") -> str:
    text = SG.format(name=name, port=port, cidr=cidr)
    if skip:
        text = text.replace("{\n", "{\n  " + skip + "\n", 1)
    return text


def scan(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    out = tmp_path / "evidence.json"
    code = main(["iac", *args, "--format", "json", "--output", str(out), "--no-color"])
    _, err = capsys.readouterr()
    doc = json.loads(out.read_text()) if out.exists() else {}
    return code, doc, err


def statuses(doc: dict, control: str) -> dict[str, str]:  # type: ignore[type-arg]
    return {f["resource"]["address"]: f["status"] for f in doc["findings"] if f["control_id"] == control}


def test_fail_on_threshold(tmp_path: Path, capsys, catalog) -> None:  # type: ignore[no-untyped-def]
    tree = write_tree(tmp_path / "tf", {"main.tf": sg("orthanc")})
    assert catalog.control("NET-DICOM").severity.value == "critical"
    assert scan(capsys, tmp_path, str(tree), "--fail-on", "critical")[0] == 1
    vpc = write_tree(tmp_path / "vpc", {"main.tf": 'resource "aws_vpc" "clinic" {\n  cidr_block = "10.0.0.0/16"\n}\n'})
    code, doc, _ = scan(capsys, tmp_path, str(vpc))
    failed = {(f["control_id"], f["severity"]) for f in doc["findings"] if f["status"] == "fail"}
    assert failed == {("AUD-FLOW", "medium")} and code == 1
    assert scan(capsys, tmp_path, str(vpc), "--fail-on", "medium")[0] == 1
    assert scan(capsys, tmp_path, str(vpc), "--fail-on", "high")[0] == 0


def test_unknown_never_passes_and_fail_on_unknown_exits_3(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    text = 'variable "port" {\n  type = number\n}\n' + sg("gw").replace("= 4242", "= var.port")
    tree = write_tree(tmp_path / "tf", {"main.tf": text})
    code, doc, _ = scan(capsys, tmp_path, str(tree))
    dicom = statuses(doc, "NET-DICOM")
    assert dicom.get("aws_security_group.gw") != "pass"
    if "unknown" in dicom.values():
        assert code == 0
        assert scan(capsys, tmp_path, str(tree), "--fail-on-unknown")[0] == 3
    broken = write_tree(tmp_path / "broken", {"main.tf": sg("gw", cidr="10.0.0.0/8"), "x.tf": "resource {"})
    assert scan(capsys, tmp_path, str(broken))[0] == 3  # unparseable: not read, an incomplete scan
    assert scan(capsys, tmp_path, str(broken), "--allow-incomplete")[0] == 0
    assert scan(capsys, tmp_path, str(broken), "--fail-on-unknown")[0] == 3
    assert scan(capsys, tmp_path, str(broken), "--fail-on-unknown", "--soft-fail")[0] == 0


def test_baseline_fails_only_on_new_failures_and_reports_fixed(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    tree = write_tree(tmp_path / "tf", {"a/main.tf": sg("orthanc"), "b/main.tf": sg("orthanc")})
    base = tmp_path / "baseline.json"
    code = main(["iac", str(tree / "a"), str(tree / "b"), "--create-baseline", str(base)])
    capsys.readouterr()
    assert code == 0
    recorded = json.loads(base.read_text())["failures"]
    assert {(r["address"], Path(r["file"]).parent.name) for r in recorded if r["control_id"] == "NET-DICOM"} == {
        ("aws_security_group.orthanc", "a"), ("aws_security_group.orthanc", "b")}
    # reformat and move lines: still matched, so nothing new fails
    (tree / "a" / "main.tf").write_text("\n\n# moved\n" + sg("orthanc").replace("  ", "    "))
    code, doc, _ = scan(capsys, tmp_path, str(tree / "a"), str(tree / "b"), "--baseline", str(base))
    assert code == 0
    assert all(f["baselined"] for f in doc["findings"] if f["status"] == "fail")
    # fix one, add a new failure in the other folder
    (tree / "a" / "main.tf").write_text(sg("orthanc", cidr="10.1.0.0/16"))
    (tree / "b" / "extra.tf").write_text(sg("viewer", port=8042))
    code, doc, _ = scan(capsys, tmp_path, str(tree / "a"), str(tree / "b"), "--baseline", str(base))
    assert code == 1
    new = [f for f in doc["findings"] if f["status"] == "fail" and not f["baselined"]]
    assert {f["resource"]["address"] for f in new if f["control_id"] == "NET-DICOM"} == {"aws_security_group.viewer"}
    assert "NET-DICOM|aws_security_group.orthanc|a/main.tf|AWS-SG-DICOM" in doc["gate"]["fixed"]


WAIVERS = """\
waivers:
  - control: NET-DICOM
    resource: "aws_security_group.orthanc*"
    justification: Teleradiology partner needs Orthanc until the VPN cutover
    owner: it-security@clinic.example
    ticket: SEC-142
    expires: {expires}
  - control: NET-ADMIN
    resource: aws_security_group.nothing_here
    justification: left over
    owner: nobody@clinic.example
    ticket: SEC-1
    expires: 2099-01-01
"""


def test_waivers_apply_expire_and_go_stale(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    tree = write_tree(tmp_path / "tf", {"main.tf": sg("orthanc_gw")})
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(WAIVERS.format(expires="2099-12-31"))
    code, doc, _ = scan(capsys, tmp_path, str(tree), "--waivers", str(waivers))
    finding = next(f for f in doc["findings"] if f["control_id"] == "NET-DICOM")
    assert finding["status"] == "waived" and finding["waiver"]["ticket"] == "SEC-142"
    assert [w["resource"] for w in doc["gate"]["stale_waivers"]] == ["aws_security_group.nothing_here"]
    assert code == 0 or any(f["status"] == "fail" and f["control_id"] != "NET-DICOM" for f in doc["findings"])
    waivers.write_text(WAIVERS.format(expires="2020-01-01"))
    code, doc, _ = scan(capsys, tmp_path, str(tree), "--waivers", str(waivers))
    assert statuses(doc, "NET-DICOM")["aws_security_group.orthanc_gw"] == "fail"
    assert [w["ticket"] for w in doc["gate"]["expired_waivers"]] == ["SEC-142"]
    assert code == 1


@pytest.mark.parametrize(("text", "words"), [
    (WAIVERS.format(expires="2099-01-01").replace("    justification: left over\n", ""), "justification"),
    (WAIVERS.format(expires="2099-01-01").replace("    expires: 2099-01-01\n", ""), "expires"),
    (WAIVERS.format(expires="someday"), "not a date"),
    (WAIVERS.format(expires="2099-01-01").replace("NET-ADMIN", "NET-NOPE"), "unknown control NET-NOPE"),
])
def test_bad_waiver_is_an_input_error(tmp_path: Path, capsys, text: str, words: str) -> None:  # type: ignore[no-untyped-def]
    tree = write_tree(tmp_path / "tf", {"main.tf": sg("orthanc")})
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(text)
    code, doc, err = scan(capsys, tmp_path, str(tree), "--waivers", str(waivers))
    assert code == 2 and not doc
    assert "waivers.yaml:" in err and words in err and "Traceback" not in err


def test_inline_skip_with_reason_is_waived_and_without_is_flagged(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    reasoned = sg("reasoned", skip="#checkov:skip=AWS-SG-DICOM:Modality vendor VPN terminates here")
    bare = sg("bare", skip="#checkov:skip=AWS-SG-DICOM")
    tree = write_tree(tmp_path / "tf", {"main.tf": reasoned + bare})
    _, doc, _ = scan(capsys, tmp_path, str(tree))
    dicom = {f["resource"]["address"]: f for f in doc["findings"] if f["control_id"] == "NET-DICOM"}
    assert dicom["aws_security_group.reasoned"]["status"] == "waived"
    assert dicom["aws_security_group.reasoned"]["waiver"]["justification"] == "Modality vendor VPN terminates here"
    assert dicom["aws_security_group.bare"]["status"] == "unknown"
    assert any("aws_security_group.bare" in k for k in doc["gate"]["unreasoned_skips"])


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t", "HOME": str(cwd), "PATH": "/usr/bin:/bin:/usr/local/bin"})


def test_since_limits_findings_to_changed_files(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    repo = write_tree(tmp_path / "repo", {"infra/old.tf": sg("old")})
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    (repo / "infra" / "new.tf").write_text(sg("new"))
    monkeypatch.chdir(repo)
    _, doc, _ = scan(capsys, tmp_path, "infra", "--since", "HEAD")
    assert set(statuses(doc, "NET-DICOM")) == {"aws_security_group.new"}
    code, doc, err = scan(capsys, tmp_path, "infra", "--since", "no-such-ref")
    assert code == 2 and "no-such-ref" in err
