"""Headless Chromium (Debian's package) for the compliance officer's report: screenshots and PDFs.

Used by the report tests (tests/evidence/test_report_browser.py, tests/evidence/test_html.py)
and to refresh the README's screenshot:

    make demo
    .venv/bin/python scripts/report_browser.py screenshot reports/demo-report.html docs/report.png

Chromium runs with a throw-away profile, no network services (no background networking, sync,
component updates or first-run pages) and, for PDFs, without the date/URL header and footer.
``pdf_text`` extracts a PDF's text with poppler's ``pdftotext -raw`` (content order, so a table
cell's text stays together).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--no-first-run", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
    "--enable-logging=stderr", "--v=0",
)
TIMEOUT = 180  # seconds; chromium on two shared cores


def chromium() -> str | None:
    """Debian's chromium, or None when it is not installed."""
    return shutil.which("chromium") or (str(Path("/usr/bin/chromium")) if Path("/usr/bin/chromium").exists() else None)


def pdftotext() -> str | None:
    return shutil.which("pdftotext")


def run(args: Sequence[str], profile: Path) -> subprocess.CompletedProcess[str]:
    binary = chromium()
    if binary is None:
        raise FileNotFoundError("chromium is not installed (Debian: apt-get install -y chromium)")
    command = [binary, *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def console_messages(stderr: str) -> list[str]:
    """Page console output: uncaught errors and CSP refusals (logged at INFO). A report makes none."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def screenshot(page: Path, png: Path, profile: Path, *, width: int = 1280,
               height: int = 1600) -> subprocess.CompletedProcess[str]:
    return run([f"--screenshot={png}", f"--window-size={width},{height}", page.resolve().as_uri()], profile)


def print_pdf(page: Path, pdf: Path, profile: Path) -> subprocess.CompletedProcess[str]:
    return run(["--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.resolve().as_uri()], profile)


def pdf_text(pdf: Path) -> str:
    binary = pdftotext()
    if binary is None:
        raise FileNotFoundError("pdftotext is not installed (Debian: apt-get install -y poppler-utils)")
    done = subprocess.run([binary, "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          timeout=60, check=True)
    return done.stdout


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    shot = commands.add_parser("screenshot", help="PNG of the top of an HTML page")
    shot.add_argument("page", type=Path)
    shot.add_argument("png", type=Path)
    shot.add_argument("--width", type=int, default=1280)
    shot.add_argument("--height", type=int, default=1600)
    pdf = commands.add_parser("pdf", help="print an HTML page to PDF")
    pdf.add_argument("page", type=Path)
    pdf.add_argument("pdf", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pacscan-chromium-") as profile:
        if args.command == "screenshot":
            done = screenshot(args.page, args.png, Path(profile), width=args.width, height=args.height)
            target = args.png
        else:
            done = print_pdf(args.page, args.pdf, Path(profile))
            target = args.pdf
    if done.returncode != 0 or not target.is_file():
        print(done.stderr[-2000:], file=sys.stderr)
        return 1
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
