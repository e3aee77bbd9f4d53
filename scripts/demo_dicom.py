"""``make demo``, the DICOM half: a pynetdicom SCP on loopback (clear-text DICOM, any AE title, answers
a patient-level C-FIND) probed by ``pacscan probe dicom``, and a folder of generated DICOM files and
phone photos checked by ``pacscan deid``.

The SCP's patients and the files' identifying values are random strings made here; the reports show
attribute names, flags and counts, never those values. Evidence: reports/demo-probe-evidence.json and
reports/demo-deid-evidence.json. Both runs pass --soft-fail: the findings are the point.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.dicom.world import Phi, start_scp, write_world  # noqa: E402


def pacscan(*args: str) -> None:
    command = [sys.executable, "-m", "scanner", *args]
    print("$ pacscan " + " ".join(args), flush=True)
    subprocess.run(command, check=True, cwd=ROOT)


def main() -> int:
    reports = ROOT / "reports"
    reports.mkdir(exist_ok=True)
    server, port = start_scp(patients=[Phi(), Phi(), Phi()])
    try:
        print(f"== a DICOM SCP listening on 127.0.0.1:{port} (clear text, any AE title, answers patient queries)")
        pacscan("probe", "dicom", f"127.0.0.1:{port}", "--timeout", "2", "--quiet", "--no-color",
                "--format", "json", "--output", str(reports / "demo-probe-evidence.json"), "--format", "console",
                "--soft-fail")
    finally:
        server.shutdown()
    with tempfile.TemporaryDirectory(prefix="pacscan-deid-demo-") as folder:
        world = write_world(Path(folder), Phi())
        print(f"\n== an export folder: {', '.join(sorted(p.name for p in world.rglob('*') if p.is_file()))}")
        pacscan("deid", str(world), "--quiet", "--no-color", "--format", "json", "--output",
                str(reports / "demo-deid-evidence.json"), "--format", "console", "--soft-fail")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
