"""The pacscan exception tree, documented once.

    PacscanError                 base of everything pacscan raises on purpose
    +-- InputError               a user-supplied file or argument is wrong (exit code 2)
    |   +-- CatalogError         rules.yaml / rules/*.yaml is malformed or inconsistent
    |   +-- ConfigError          the --config file is malformed or names unknown parameters
    |   +-- AttestationError     the attestation file is malformed
    |   +-- PlanError            a Terraform plan JSON file is not a plan
    |   +-- TargetError          a scan target does not exist or holds no Terraform
    |   +-- TerraformInputError  a --var/--var-file Terraform itself would refuse before planning
    +-- MissingExtraError        a command needs an optional extra that is not installed (exit code 2)
    +-- ScanError                a scan could not run at all (not a per-control failure)
    +-- UnreachableError         nothing could be read: the endpoint did not answer at all (exit code 3)
    +-- OutputError              a report could not be written

Per-control problems (access denied, unparseable file, unknown-after-apply) are never raised:
they become ``error``/``unknown`` findings so the rest of the scan goes on.
"""

from __future__ import annotations


class PacscanError(Exception):
    """Base class: the CLI prints ``str(err)`` as one line and exits non-zero."""

    exit_code = 2


class InputError(PacscanError):
    """A user-supplied file or argument is wrong; names the file and line where known."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.detail = message
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(f"{where}{message}")


class CatalogError(InputError):
    pass


class ConfigError(InputError):
    pass


class AttestationError(InputError):
    pass


class PlanError(InputError):
    pass


class TargetError(InputError):
    pass


class TerraformInputError(InputError):
    """A ``--var`` for a variable no root module declares, a malformed ``--var``, or a
    ``--var-file`` that cannot be read or parsed."""


class MissingExtraError(PacscanError):
    """An optional extra a command needs is not installed; the message names the pip command."""


class ScanError(PacscanError):
    exit_code = 2


class OutputError(PacscanError):
    exit_code = 2


class UnreachableError(PacscanError):
    """The scan could not start because its endpoint did not answer (connection refused, timed out,
    reset): nothing was read, which is an incomplete scan (exit code 3), not an input error."""

    exit_code = 3
