"""The ``external_access`` fact of ``aws.healthimaging.datastore`` from the configuration's IAM.

HealthImaging has no resource policy: outsiders reach a data store through a role of the account
they may assume (:mod:`scanner.healthimaging.access` reads trust and grants). What the configuration
shows of each role:

* its trust policy: ``aws_iam_role.assume_role_policy``, ``awscc_iam_role.assume_role_policy_document``;
* its permission documents: inline (``inline_policy`` blocks, ``awscc_iam_role.policies``,
  ``aws_iam_role_policy``, ``awscc_iam_role_policy``) and attached managed policies
  (``managed_policy_arns``, ``aws_iam_role_policy_attachment``, ``aws_iam_policy_attachment``
  ``roles``, ``awscc_iam_managed_policy`` ``roles``): an ``aws_iam_policy`` /
  ``awscc_iam_managed_policy`` of the configuration (by reference, name or ARN), or an AWS managed
  policy whose grants are known here (:data:`AWS_MANAGED`); any other is unknown.

A policy or attachment is linked to its role by reference or by the role's name
(:meth:`~policies.terraform.index.Index.children_of`). One that names a role this configuration
does not declare (or one that cannot be told) grants to a role whose trust is not known: its item
is unknown for ``public`` and ``cross_account``, never left out. One that may be attached to a
declared role makes that role's grant unknown where it would decide. A statement that names a
``Principal`` in a permission policy (a resource-policy-like statement, which IAM itself would
refuse) is read as a grant to that principal.

The data store's account is not in the configuration, except where a plan has read
``data.aws_caller_identity`` (its ``account_id``). A principal is this account by construction when
its value is computed from ``data.aws_caller_identity`` or names a role, user or ``data.aws_iam_*``
of the configuration; a literal account id is another account only when the account is known.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from policies.terraform.attrs import blocks
from policies.terraform.index import Index, Linked, config_address
from scanner.facts.logic import Truth, all_of, any_of
from scanner.facts.values import Unknown
from scanner.healthimaging.access import store_grants
from scanner.healthimaging.arns import DataStore
from scanner.healthimaging.trust import principal_exposure, trust_exposure
from scanner.iac.tfmodel import TfInstance
from scanner.policydoc import document_of, statements

ROLES = ("aws_iam_role", "awscc_iam_role")
#: inline role policies -> the argument naming the role, the argument holding the document
ROLE_POLICIES = {"aws_iam_role_policy": ("role", "policy"), "awscc_iam_role_policy": ("role_name", "policy_document")}
MANAGED = {"aws_iam_policy": "policy", "awscc_iam_managed_policy": "policy_document"}
_STAR = {"Effect": "Allow", "Action": "*", "Resource": "*"}
#: AWS managed policies whose HealthImaging grants are known (their documents, as far as they
#: concern HealthImaging); any other AWS managed policy is unknown
AWS_MANAGED: Mapping[str, Any] = {
    "AdministratorAccess": {"Statement": [_STAR]},
    "PowerUserAccess": {"Statement": [{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"],
                                       "Resource": "*"}]},
    "AWSHealthImagingFullAccess": {"Statement": [{"Effect": "Allow", "Action": "medical-imaging:*",
                                                  "Resource": "*"}]},
    "AWSHealthImagingReadOnlyAccess": {"Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
        "medical-imaging:Get*", "medical-imaging:List*", "medical-imaging:Search*"]}]},
    # granting nothing of HealthImaging
    "AmazonS3ReadOnlyAccess": {"Statement": []}, "AmazonS3FullAccess": {"Statement": []},
    "AmazonEC2ReadOnlyAccess": {"Statement": []}, "AWSLambdaBasicExecutionRole": {"Statement": []},
    "AmazonSSMManagedInstanceCore": {"Statement": []},
}
_AWS_POLICY = "arn:aws:iam::aws:policy/"


def own_account(index: Index) -> str | Unknown:
    """The account the configuration deploys to, where a plan read ``data.aws_caller_identity``."""
    found = {i.attrs.get("account_id") for i in index.of_type("data.aws_caller_identity")}
    known = {a for a in found if isinstance(a, str)}
    if len(known) == 1 and len(found) == 1:
        return known.pop()
    return Unknown("the data store's AWS account is not known from the configuration")


def _own_principal(index: Index) -> Any:
    declared = {config_address(i.address) for i in index.of_type(*ROLES, "aws_iam_user", "awscc_iam_user")}

    def own(value: Unknown) -> bool:
        symbol = value.symbol or ""
        if "aws_caller_identity" in symbol and "account_id" in symbol:
            return True
        inner = symbol.removeprefix("${").removesuffix("}")
        if "${" in inner or value.candidates:
            return False
        address = config_address(inner.rpartition(".")[0])
        return address in declared or address.startswith(("data.aws_iam_role.", "data.aws_iam_user."))
    return own


@dataclass
class Grantee:
    """A role (or a statement naming a principal): who may use it, and its permission documents;
    ``maybe``: documents that may or may not be its own."""

    label: str
    trust: Any
    documents: list[Any] = field(default_factory=list)
    maybe: list[tuple[str, Any]] = field(default_factory=list)
    exists: Unknown | None = None
    statement_principal: Mapping[str, Any] | None = None


class ExternalAccess:
    """Every grantee of the configuration, read once; :meth:`items` per data store."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.account = own_account(index)
        self.own = _own_principal(index)
        self.types = {**{i.address: i.type for i in index.config.instances},
                      **{config_address(i.address): i.type for i in index.config.instances}}
        self.grantees = self._roles() + self._direct()

    # --- reading the configuration ----------------------------------------------------------------

    def _roles(self) -> list[Grantee]:
        roles = self.index.of_type(*ROLES)
        names = {r.address: _role_name(r) for r in roles}
        out = {r.address: Grantee(r.address, _trust(r), _inline(r), exists=r.exists) for r in roles}
        orphans: list[Grantee] = []
        for kind, (via, _argument) in ROLE_POLICIES.items():
            links = self.index.children_of(roles, [kind], via, lambda r: names[r.address])
            self._fold(out, orphans, links, kind, _role_policy, via)
        for role in roles:
            for arn in _listed(role.attrs.get("managed_policy_arns")):
                out[role.address].documents.append(self.policy_document(arn))
        attachments = self.index.children_of(roles, ["aws_iam_role_policy_attachment"], "role",
                                             lambda r: names[r.address])
        self._fold(out, orphans, attachments, "aws_iam_role_policy_attachment",
                   lambda c: [self.policy_document(c.attrs.get("policy_arn"), c, "policy_arn")], "role")
        self._attached_by_list(roles, names, out, orphans)
        return [*out.values(), *orphans]

    def _fold(self, out: dict[str, Grantee], orphans: list[Grantee], links: Mapping[str, Linked], kind: str,
              read: Callable[[TfInstance], list[Any]], via: str) -> None:
        attributed: set[str] = set()
        for address, linked in links.items():
            for child in linked.certain:
                out[address].documents += read(child)
                attributed.add(child.address)
            for child in linked.possible:
                out[address].maybe += [(child.address, d) for d in read(child)]
        for child in self.index.of_type(kind):
            if child.address not in attributed:
                orphans.append(self._orphan(child, child.attrs.get(via), read(child)))

    def _attached_by_list(self, roles: list[TfInstance], names: Mapping[str, Any], out: dict[str, Grantee],
                          orphans: list[Grantee]) -> None:
        """``aws_iam_policy_attachment.roles`` and ``awscc_iam_managed_policy.roles``: role names."""
        attaching = [(a, self.policy_document(a.attrs.get("policy_arn"), a, "policy_arn"))
                     for a in self.index.of_type("aws_iam_policy_attachment")]
        attaching += [(p, _document(p.attrs.get("policy_document"))) for p in self.index.of_type(
            "awscc_iam_managed_policy")]
        by_name = {n: a for a, given in names.items() for n in given if isinstance(n, str)}
        for attachment, document in attaching:
            for entry in _listed(attachment.attrs.get("roles")):
                role = self._role_named(entry, by_name, roles)
                if role is not None:
                    out[role].documents.append(document)
                else:
                    orphans.append(self._orphan(attachment, entry, [document]))

    def _role_named(self, entry: Any, by_name: Mapping[str, str], roles: list[TfInstance]) -> str | None:
        if isinstance(entry, str):
            return by_name.get(entry)
        if isinstance(entry, Unknown) and entry.symbol and "${" not in entry.symbol and not entry.candidates:
            address = entry.symbol.rpartition(".")[0]
            return next((r.address for r in roles if address in (r.address, config_address(r.address))), None)
        return None

    def _orphan(self, child: TfInstance, role: Any, documents: list[Any]) -> Grantee:
        shown = role if isinstance(role, str) else "a role that cannot be told"
        why = Unknown(f"{child.address} grants to {shown}, which this configuration does not declare: who may "
                      "assume it is not known")
        return Grantee(f"{shown} ({child.address})", why, documents, exists=child.exists)

    def _direct(self) -> list[Grantee]:
        """Statements naming a Principal in the configuration's permission policies."""
        out: list[Grantee] = []
        sources: list[tuple[TfInstance, Any]] = []
        for kind, argument in {**MANAGED, **{k: v[1] for k, v in ROLE_POLICIES.items()}}.items():
            sources += [(i, _document(i.attrs.get(argument))) for i in self.index.of_type(kind)]
        for role in self.index.of_type(*ROLES):
            sources += [(role, d) for d in _inline(role)]
        for instance, document in sources:
            found = statements(document)
            for statement in found if isinstance(found, list) else []:
                if isinstance(statement, Mapping) and ("Principal" in statement or "NotPrincipal" in statement):
                    out.append(Grantee(instance.address, None, [{"Statement": [statement]}], exists=instance.exists,
                                       statement_principal=statement))
        return out

    def policy_document(self, arn: Any, instance: TfInstance | None = None, argument: str = "") -> Any:
        """The document of the managed policy ``arn`` names: one of the configuration's (by
        reference, name or ARN), an AWS managed policy known here, else unknown."""
        if isinstance(arn, str) and arn.startswith(_AWS_POLICY):
            name = arn.removeprefix(_AWS_POLICY).rsplit("/", 1)[-1]
            known = AWS_MANAGED.get(name)
            return known if known is not None else Unknown(
                f"the AWS managed policy {name} is not read here: what it grants is not known")
        policies = self.index.of_type(*MANAGED)
        found = self.index.referenced(instance, argument, *MANAGED) if instance is not None and argument else []
        if not found and isinstance(arn, Unknown) and arn.symbol and "${" not in arn.symbol:
            address = arn.symbol.rpartition(".")[0]
            found = [p for p in policies if address in (p.address, config_address(p.address))]
        if not found and isinstance(arn, str):
            name = arn.rsplit("/", 1)[-1]
            found = [p for p in policies if name in (p.attrs.get("name"), p.attrs.get("managed_policy_name"))]
        if len(found) == 1:
            return _document(found[0].attrs.get(MANAGED[found[0].type]))
        shown = arn if isinstance(arn, str) else getattr(arn, "symbol", None) or "a policy that cannot be told"
        return Unknown(f"the managed policy {shown} is not declared in this configuration: what it grants is not "
                       "known")

    # --- per data store ---------------------------------------------------------------------------

    def items(self, store: DataStore) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for grantee in self.grantees:
            item = self._item(grantee, store)
            if item is not None:
                out.append(item)
        return out

    def _item(self, grantee: Grantee, store: DataStore) -> dict[str, Any] | None:
        if grantee.statement_principal is not None:
            exposure = principal_exposure(grantee.statement_principal, self.account, self.own)
        else:
            exposure = trust_exposure(grantee.trust, self.account, self.own)
        if exposure.external is False:
            return None
        grant = store_grants(grantee.documents, store, self.types)
        parts: list[Truth] = [grant.grants]
        for address, document in grantee.maybe:
            maybe = store_grants([document], store, self.types).grants
            parts.append(maybe if maybe is not True else Unknown(
                f"{address} may be attached to {grantee.label}: the role it names cannot be told"))
        grants = any_of(parts)
        if grants is False:
            return None
        if grantee.exists is not None:
            grants = all_of([grants, grantee.exists])
        return {"role": grantee.label, "principals": exposure.principals, "public": exposure.public,
                "cross_account": exposure.cross_account, "grants": grants, "actions": list(grant.actions)}


def _role_policy(policy: TfInstance) -> list[Any]:
    return [_document(policy.attrs.get(ROLE_POLICIES[policy.type][1]))]


def _role_name(role: TfInstance) -> tuple[Any, ...]:
    name = role.attrs.get("name") if role.type == "aws_iam_role" else role.attrs.get("role_name")
    if name is None:
        return (Unknown(f"the name of {role.address} is generated by Terraform", symbol=f"{role.address}.name"),)
    return (name,)


def _trust(role: TfInstance) -> Any:
    argument = "assume_role_policy" if role.type == "aws_iam_role" else "assume_role_policy_document"
    return _document(role.attrs.get(argument))


def _inline(role: TfInstance) -> list[Any]:
    block, argument = ("inline_policy", "policy") if role.type == "aws_iam_role" else ("policies", "policy_document")
    return [b if isinstance(b, Unknown) else _document(b.get(argument)) for b in blocks(role.attrs, block)]


def _document(value: Any) -> Any:
    """A policy argument (JSON text, or an awscc object) as a document."""
    if isinstance(value, Mapping) and not isinstance(value, dict):
        return dict(value)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return Unknown(f"not a JSON policy document: {value[:60]!r}")
    return document_of(value)


def _listed(value: Any) -> Iterable[Any]:
    if value is None:
        return []
    if isinstance(value, Unknown):
        return [value]
    return value if isinstance(value, list | tuple) else [value]
