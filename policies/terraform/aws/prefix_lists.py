"""Managed prefix lists a network rule names, resolved to their CIDR entries where the
configuration declares them.

A prefix list id is known only after apply, so the evaluator hands the rule an unknown whose
``symbol`` names the resource it came from (``aws_ec2_managed_prefix_list.partners.id``); a plan
of applied resources hands the id itself (``pl-...``), matched to a declared list's ``id``. The
entries are the list's ``entry`` blocks and the ``aws_ec2_managed_prefix_list_entry`` resources
that name it (one that may name it is an unknown entry). A list not declared here (an
AWS-managed list read through a data source, a literal id of a list managed elsewhere) has
entries nobody could see: one unknown entry standing for them all.
"""

from __future__ import annotations

from typing import Any

from policies.terraform.attrs import blocks
from policies.terraform.aws.common import listed, owner, spread
from policies.terraform.index import Index
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

LIST_TYPE = "aws_ec2_managed_prefix_list"
ENTRY_TYPE = "aws_ec2_managed_prefix_list_entry"


class PrefixLists:
    def __init__(self, index: Index) -> None:
        self.index = index
        self._entries: dict[str, list[Any]] = {}
        for entry in index.of_type(ENTRY_TYPE):
            found = owner(index, entry, "prefix_list_id", (LIST_TYPE,))
            cidr = entry.attrs.get("cidr")
            parents = index.of_type(LIST_TYPE) if found.link == "undetermined" else found.parents
            for parent in parents:
                if found.link == "certain" and entry.exists is None:
                    self._entries.setdefault(parent.address, []).append(cidr)
                else:
                    self._entries.setdefault(parent.address, []).append(
                        Unknown(f"{entry.address} may add an entry to this prefix list", entry.address))

    def entries(self, ids: Any) -> list[Any]:
        """The CIDRs of every prefix list in ``ids`` (one id, a list, or unknown), unknown where
        a list's entries cannot be seen."""
        out: list[Any] = []
        for value in listed(ids):
            found = self._declared(value)
            if found is None:
                shown = (value.symbol or value.reason) if isinstance(value, Unknown) else str(value)
                out.append(Unknown(f"prefix list {shown} is not declared in this configuration: its entries "
                                   f"are not known", value.origin if isinstance(value, Unknown) else None))
                continue
            for block in blocks(found.attrs, "entry"):
                if isinstance(block, Unknown):
                    out.append(block if block.spread else spread(block))
                elif isinstance(block, dict):
                    out.append(block.get("cidr"))
            out += self._entries.get(found.address, [])
        return out

    def _declared(self, value: Any) -> TfInstance | None:
        if isinstance(value, Unknown):
            if not value.symbol or "." not in value.symbol:
                return None
            found = self.index.get(value.symbol.rsplit(".", 1)[0])
            return found if found is not None and found.type == LIST_TYPE and found.mode == "managed" else None
        if isinstance(value, str):
            matches = [i for i in self.index.of_type(LIST_TYPE) if i.attrs.get("id") == value]
            return matches[0] if len(matches) == 1 else None
        return None
