"""The Markdown summary: verdict, sections, escaping, and the size cap."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scanner.models import Finding, GateNotes, ResourceRef, ScanResult, Status
from scanner.render import Renderer
from scanner.render.markdown import COMMENT_LIMIT, MarkdownRenderer, cap, cell, code

from . import (
    ADM_BAA,
    ADM_RISK,
    AUD_LOG,
    ENC_REST,
    ERR_LOG,
    FAIL_ENC,
    IMAGES_ADDR,
    META,
    PASS_ENC,
    all_pass_result,
    make_result,
)
from .test_sarif import MISSING_BAA, YAML_WAIVER, gate_result


def render(result: ScanResult | None = None, **kwargs: int) -> str:
    return MarkdownRenderer(**kwargs).render(result or gate_result(), META)


def section(text: str, title: str) -> str:
    """A collapsible section, from its ``<summary>`` to its ``</details>``."""
    start = text.index(f"<summary><strong>{title}")
    return text[start:text.index("</details>", start)]


def table_rows(block: str) -> list[list[str]]:
    """Cells of a GFM table (split on pipes not escaped with a backslash)."""
    import re

    rows = []
    for line in block.splitlines():
        if line.startswith("| ") and not line.startswith("|---"):
            rows.append([c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows[1:]  # without the header


def test_verdict_is_fail_and_names_unevaluated_controls() -> None:
    out = render()
    assert out.startswith("## pacscan 0.1.0: HIPAA compliance scan\n\n**FAIL**:")
    assert "**NOT EVALUATED**: 2 control(s) (ENC-REST, AUD-LOG)" not in out  # ENC-REST fails
    assert "**NOT EVALUATED**: 1 control(s) (AUD-LOG) could not be evaluated" in out  # BAK-RET: none found
    counts = table_rows(out[: out.index("<details")])
    assert counts == [["4", "1", "2", "1", "1"]], "new, baselined, waived, fixed, expired waivers"
    assert "need attestation" not in out, "an attestation file was given"


def test_never_pass_while_something_is_unevaluated() -> None:
    unknown_only = make_result(findings=(PASS_ENC, replace(ERR_LOG, status=Status.UNKNOWN)),
                               controls=(ENC_REST, AUD_LOG))
    out = render(unknown_only)
    assert "**PASS**" not in out
    assert "**INCOMPLETE**" in out


def test_pass_only_when_everything_was_evaluated() -> None:
    out = render(all_pass_result())
    assert "**PASS**: every control was evaluated" in out
    assert "NOT EVALUATED" not in out
    assert "New failures" not in out


def test_only_baselined_failures_read_as_no_new_failures() -> None:
    result = replace(all_pass_result(), findings=(*all_pass_result().findings, replace(FAIL_ENC, baselined=True)),
                     gate=GateNotes(baseline="reports/baseline.json"))
    out = render(result)
    assert "**NO NEW FAILURES**" in out and "**FAIL**" not in out


def test_control_table_lists_judged_controls_and_counts_the_rest() -> None:
    block = section(render(), "Controls")
    rows = table_rows(block)
    assert [r[0] for r in rows] == ["`ENC-REST`", "`NET-DICOM`", "`AUD-LOG`", "`ADM-RISK`", "`ADM-BAA`",
                                    "`PHY-MEDIA`"]
    enc = rows[0]
    assert enc[2:] == ["high", "**fail**", "1 pass, 2 fail, 1 waived, 1 error", "164.312(a)(2)(iv)"]
    assert rows[1][5] == "164.312(e)(1); 164.312(a)(1)"
    assert "1 control(s) not applicable: nothing of the kinds they judge was found." in block  # BAK-RET


def test_without_an_attestation_file_the_attestation_controls_are_one_line() -> None:
    unattested = tuple(replace(MISSING_BAA, control_id=c, message="no attestation file given",
                               resource=ResourceRef(f"attestation:{c}", "attestation"))
                       for c in (ADM_RISK.id, ADM_BAA.id))
    out = render(make_result(findings=(FAIL_ENC, *unattested)))
    assert out.count("2 safeguards need attestation: run with `--attestations FILE`.") == 1
    assert "ADM-RISK" not in out and "ADM-BAA" not in out
    assert table_rows(out[: out.index("<details")]) == [["1", "0", "0", "0", "0"]]


def test_new_failures_section_names_the_address_location_and_evidence() -> None:
    failing = section(render(), "New failures")
    assert failing.startswith("<summary><strong>New failures (4)</strong></summary>")  # ADM-BAA, PHY-MEDIA too
    row = next(r for r in table_rows(failing) if r[1] == f"`{IMAGES_ADDR}`")
    assert row[2] == "`infra/storage.tf:12-30`"
    assert row[3] == "S3 bucket is not encrypted with a KMS key"
    assert row[4] == '`{"kms_master_key_id": null, "server_side_encryption_configuration": null}`'
    assert "aws_s3_bucket.archive" not in failing and "aws_s3_bucket.archive" in section(render(), "Baselined")
    assert "- **Fix `ENC-REST`**: Enable default server\\-side" not in failing  # '-' is not escaped
    assert "- **Fix `ENC-REST`**: Enable default server-side encryption with a KMS key on the bucket." in failing
    assert "aws_s3_bucket.logs" not in failing
    assert "<details open><summary><strong>New failures" in render(), "the new failures are open; the rest folded"


def test_missing_attestation_without_finding_is_a_failing_row() -> None:
    result = gate_result(findings=tuple(f for f in gate_result().findings if f is not MISSING_BAA))
    rows = table_rows(section(render(result), "New failures"))
    assert ["`ADM-BAA`", "`control:ADM-BAA`", "", "no attestation is recorded", ""] in rows


def test_not_evaluated_section_lists_errors_and_unknowns_not_inapplicable_controls() -> None:
    block = section(render(), "Not evaluated")
    assert block.startswith("<summary><strong>Not evaluated (error / unknown), NOT shown to pass (3)")
    rows = table_rows(block)
    assert [(r[1], r[3]) for r in rows] == [
        ("`infra/broken.tf`", "error"), ("`aws_security_group.legacy`", "unknown"),
        ("`aws_s3_bucket_logging.images`", "unknown")]  # BAK-RET: nothing of its kind, not "could not tell"
    assert rows[2][2] == "`plan.json:1`"
    assert rows[2][4] == "target\\_bucket is known only after apply"


def test_waived_section_shows_justification_owner_ticket_expiry_origin() -> None:
    rows = table_rows(section(render(), "Waived"))
    scratch = next(r for r in rows if r[1] == "`aws_s3_bucket.scratch`")
    assert scratch[3:] == ["Scratch bucket holds synthetic test studies only \\| no PHI", "it@smiledental.example",
                       "SEC-142", "2099-12-31", "waivers.yaml:4"]
    inline = next(r for r in rows if r[1] == "`aws_security_group.modality`")
    assert inline[6:] == ["never", "inline skip comment"]


def test_gate_sections_fixed_expired_stale_unreasoned() -> None:
    out = render()
    fixed = section(out, "Fixed since baseline")
    assert fixed.startswith("<summary><strong>Fixed since baseline reports/baseline.json (1)")
    assert "`ENC-REST|aws_s3_bucket.legacy_dicom|infra/storage.tf`".replace("|", "\\|") in fixed
    assert "`aws_s3_bucket.old_exports`" in section(out, "Expired waivers")
    assert "`aws_s3_bucket.gone`" in section(out, "Stale waivers")
    assert "aws_security_group.legacy" in section(out, "Inline skips without a reason")


def test_no_gate_sections_without_gate_notes() -> None:
    out = render(gate_result(gate=GateNotes()))
    for title in ("Fixed since baseline", "Expired waivers", "Stale waivers", "Inline skips"):
        assert f"<strong>{title}" not in out


def test_baseline_with_nothing_fixed_says_so() -> None:
    out = render(gate_result(gate=GateNotes(baseline="b.json")))
    assert "Fixed since baseline b.json (0)</strong></summary>\n\nNothing in the baseline was fixed." in out


def many_failures(n: int) -> tuple[Finding, ...]:
    return tuple(replace(FAIL_ENC, resource=replace(FAIL_ENC.resource, address=f"aws_s3_bucket.b{i:04d}"))
                 for i in range(n))


def test_failing_rows_are_capped_with_and_n_more() -> None:
    out = render(make_result(findings=many_failures(120), controls=(ENC_REST,)))
    failing = section(out, "New failures")
    assert failing.startswith("<summary><strong>New failures (120)")
    assert len(table_rows(failing)) == 50
    assert "... and 70 more (see the JSON evidence report)." in failing
    assert "`aws_s3_bucket.b0049`" in failing and "aws_s3_bucket.b0050" not in failing


def test_a_large_report_fits_a_pull_request_comment_with_every_section_closed() -> None:
    huge = replace(FAIL_ENC, evidence={"blob": "é" * 400})
    findings = tuple(replace(huge, resource=replace(huge.resource, address=f"aws_s3_bucket.b{i:05d}"))
                     for i in range(6000))
    out = render(make_result(findings=findings), max_rows=100_000)
    assert len(out) <= COMMENT_LIMIT
    assert out.count("<details") == out.count("</details>"), "no section is cut in half"
    failing = section(out, "New failures")
    assert failing.startswith("<summary><strong>New failures (600") and "more (see the JSON evidence report)" in failing
    assert "Report truncated" not in out, "sections gave up rows; nothing was cut"


def test_cap_is_the_last_resort_at_a_line_boundary() -> None:
    text = "".join(f"| row {i} é€😀 |\n" for i in range(100))
    out = cap(text, 500)
    assert len(out) <= 500 and out.endswith("the JSON evidence report has every finding.\n")
    body = out[: out.index("\n\n> **Report truncated**")]
    assert body.splitlines()[-1].startswith("| ") and body.splitlines()[-1].endswith(" |")
    assert cap("short\n", 500) == "short\n"


@pytest.mark.parametrize(("raw", "escaped"), [
    ("a|b", "a\\|b"), ("use `terraform`", "use \\`terraform\\`"), ("<script>", "\\<script\\>"),
    ("line\nbreak", "line break"), ("*bold* _it_ [x]", "\\*bold\\* \\_it\\_ \\[x\\]"), ("back\\slash", "back\\\\slash"),
])
def test_cell_escaping(raw: str, escaped: str) -> None:
    assert cell(raw) == escaped


@pytest.mark.parametrize(("raw", "span"), [
    ('aws_s3_bucket.images["dicom"]', '`aws_s3_bucket.images["dicom"]`'),
    ("a|b", "`a\\|b`"), ("x`y", "``x`y``"), ("`edge", "`` `edge ``"),
])
def test_code_span(raw: str, span: str) -> None:
    assert code(raw) == span


def test_hostile_resource_address_cannot_break_the_table() -> None:
    nasty = replace(FAIL_ENC, resource=replace(FAIL_ENC.resource, address="aws_s3_bucket.x | `y` \n| z"),
                    message="msg | with `ticks`")
    rows = table_rows(section(render(make_result(findings=(nasty,), controls=(ENC_REST,))), "New failures"))
    assert len(rows) == 1 and len(rows[0]) == 5
    assert rows[0][1] == "``aws_s3_bucket.x \\| `y` \\| z``"


def test_waiver_without_record_is_still_listed() -> None:
    f = replace(FAIL_ENC, status=Status.WAIVED, waiver=None)
    rows = table_rows(section(render(make_result(findings=(f,), controls=(ENC_REST,))), "Waived"))
    assert rows[0][3] == "no waiver record attached"


def test_output_is_deterministic() -> None:
    assert render() == render(gate_result(findings=tuple(reversed(gate_result().findings))))
    assert YAML_WAIVER.origin in render()


def test_is_a_renderer() -> None:
    renderer: Renderer = MarkdownRenderer()
    assert renderer.name == "markdown"
