"""The Terraform configuration as pacscan judges it: resource instances with evaluated attributes.

This is the seam between the Terraform inputs and the Terraform-to-facts normalisers. Two inputs
produce it: the expression evaluator (``scanner.iac.hcl``) for folders of ``.tf``/``.tf.json``
files, and the plan reader for ``terraform show -json`` plans. Normalisers read nothing else.

Attribute values follow :mod:`scanner.facts.values`: plain JSON-like Python where known, an
:class:`~scanner.facts.values.Unknown` (with the reason) where not. Nested blocks are lists of
dicts under the block's name, whether written as blocks, as ``dynamic`` blocks or as attributes
(``ingress = [{...}]``); a ``dynamic`` block whose ``for_each`` cannot be known contributes one
``Unknown`` element (zero or more blocks nobody could see).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from scanner.facts.values import Unknown

Mode = Literal["managed", "data"]
InputKind = Literal["terraform", "terraform-plan"]


@dataclass(frozen=True)
class TfInstance:
    """One resource (or data source) instance, e.g. ``module.pacs.aws_s3_bucket.images["cbct"]``."""

    address: str  # full instance address, module path and instance key included
    mode: Mode
    type: str  # "aws_s3_bucket"
    name: str  # "images"
    module: str  # module instance address: "" for the root, 'module.pacs' or 'module.a["k"].module.b'
    file: str  # absolute path of the file declaring the block
    line_range: tuple[int, int] | None
    #: evaluated arguments and nested blocks (meta-arguments such as count and for_each excluded)
    attrs: Mapping[str, Any] = field(default_factory=dict)
    #: top-level argument/block name -> addresses of the resources and data sources its value was
    #: computed from (module-qualified, with the instance key where known), through variables,
    #: locals and module inputs: ``bucket = var.bucket_id`` set to ``aws_s3_bucket.b.id`` by the
    #: caller refers to ``aws_s3_bucket.b``
    refs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: top-level argument name -> how pacscan arrived at its value, one line per step a reviewer
    #: can follow: 'var.allowed_cidrs = ["0.0.0.0/0"] (terraform.tfvars:3)'
    trace: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: None when the instance certainly exists; Unknown when its count/for_each (or its module's)
    #: could not be known: it stands for zero or more instances
    exists: Unknown | None = None
    input: InputKind = "terraform"
    #: the root module folder this instance was evaluated under, relative to
    #: ``TfConfiguration.root`` ("" for the root itself): a folder of several root modules (or a
    #: module called from several) can hold the same address more than once
    root_module: str = ""


@dataclass(frozen=True)
class UnreadModule:
    """A module call whose source is not on disk (a registry or git module not yet fetched by
    ``terraform init``): nothing inside it was evaluated."""

    address: str  # "module.pacs"
    source: str  # the source as written
    file: str
    line: int | None
    reason: str


@dataclass(frozen=True)
class SkippedPath:
    """A folder or file under the target that was deliberately not read (a hidden folder)."""

    path: str
    reason: str


@dataclass(frozen=True)
class ParseFailure:
    """A file that could not be parsed: nothing in it was evaluated."""

    file: str
    line: int | None
    reason: str


@dataclass(frozen=True)
class TfConfiguration:
    root: str  # the folder (or plan file) that was read
    instances: tuple[TfInstance, ...] = ()
    unread_modules: tuple[UnreadModule, ...] = ()
    skipped: tuple[SkippedPath, ...] = ()
    parse_failures: tuple[ParseFailure, ...] = ()
    files: tuple[str, ...] = ()  # every file read (absolute)

    def by_address(self) -> Mapping[str, TfInstance]:
        """Instances by address (with several root modules, the last one read wins for an address
        they share: key by ``(root_module, address)`` to tell them apart)."""
        return {i.address: i for i in self.instances}
