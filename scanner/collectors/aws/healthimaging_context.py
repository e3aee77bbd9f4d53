"""What the account says about its HealthImaging data stores beyond each data store: the roles
outsiders may assume (``external_access``) and the CloudTrail trails and event data stores recording
data events (``audit.data_events``). Read once per scan, in the calling thread (never from a worker
of the pool, which the per-data-store reads use), and only when a data store was found.

* Roles: one paginated GetAccountAuthorizationDetails (roles with their trust policy, inline policies
  and attached managed policies; customer-managed and AWS managed policy documents, default
  version). An attached policy whose document is not in the answer is unknown.
* Trails: DescribeTrails (``includeShadowTrails``) in each region holding a data store, then per
  trail, in its home region, GetEventSelectors (advanced selectors) and GetTrailStatus (IsLogging).
  A trail records a region when it is multi-region or homed there.
* Event data stores (CloudTrail Lake): ListEventDataStores in every scanned region, then
  GetEventDataStore in its home region (selectors, MultiRegionEnabled, Status ENABLED = ingesting).
  One homed in a region the scan does not cover is not seen.

A read that fails is an unknown in place (``error``), never "nothing there": a failed listing is a
spread unknown item of ``data_events``, a failed GetEventSelectors an item whose ``covers`` is
unknown; failed role details make ``external_access`` unreadable as a whole.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from scanner.collectors.aws.errors import api_errors, reason
from scanner.collectors.aws.policies import document
from scanner.collectors.aws.session import AwsSession
from scanner.facts.logic import Truth
from scanner.facts.values import Unknown
from scanner.healthimaging.access import store_grants
from scanner.healthimaging.arns import DataStore
from scanner.healthimaging.events import selector_items
from scanner.healthimaging.trust import Exposure, trust_exposure

_FILTER = ["Role", "LocalManagedPolicy", "AWSManagedPolicy"]
_EDS_STATES = {"ENABLED": True, "STOPPED_INGESTION": False, "STOPPING_INGESTION": False, "PENDING_DELETION": False}


def _document(raw: Any) -> Any:
    return document(raw, "GetAccountAuthorizationDetails")


class Roles:
    """Every role of the account with who may assume it and its permission documents."""

    def __init__(self, session: AwsSession) -> None:
        self.error: str | None = None
        self.roles: list[tuple[str, Exposure, list[Any]]] = []
        client = session.client("iam", None)
        roles: list[Mapping[str, Any]] = []
        policies: dict[str, Any] = {}
        try:
            for page in client.get_paginator("get_account_authorization_details").paginate(Filter=_FILTER):
                roles += page.get("RoleDetailList", [])
                for policy in page.get("Policies", []):
                    versions = [v for v in policy.get("PolicyVersionList") or [] if v.get("IsDefaultVersion")]
                    policies[str(policy.get("Arn"))] = _document(versions[0].get("Document")) if versions else \
                        Unknown(f"no default version of {policy.get('Arn')}", "GetAccountAuthorizationDetails")
        except api_errors() as err:
            self.error = reason(err)
            return
        for role in roles:
            exposure = trust_exposure(_document(role.get("AssumeRolePolicyDocument")), session.account)
            if exposure.external is False:
                continue
            documents = [_document(p.get("PolicyDocument")) for p in role.get("RolePolicyList") or []]
            for attached in role.get("AttachedManagedPolicies") or []:
                arn = str(attached.get("PolicyArn"))
                documents.append(policies.get(arn, Unknown(f"the document of {arn} was not in the answer",
                                                           "GetAccountAuthorizationDetails")))
            self.roles.append((str(role.get("Arn") or role.get("RoleName")), exposure, documents))

    def items(self, store: DataStore) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for arn, exposure, documents in self.roles:
            grant = store_grants(documents, store)
            if grant.grants is False:
                continue
            out.append({"role": arn, "principals": exposure.principals, "public": exposure.public,
                        "cross_account": exposure.cross_account, "grants": grant.grants,
                        "actions": list(grant.actions)})
        return out


@dataclass(frozen=True)
class _Recorder:
    label: str  # the trail's or event data store's ARN
    selectors: Any  # advanced selectors (API shape) or an unknown
    multi_region: Truth
    home: str
    logging: Truth

    def records(self, region: str) -> Truth:
        return True if self.home == region else self.multi_region


class Recorders:
    """Trails and event data stores, as far as HealthImaging data events go, per data store region."""

    def __init__(self, session: AwsSession, pool: Executor, scanned: Sequence[str], regions: Sequence[str]) -> None:
        self.session = session
        self.trails: dict[str, list[_Recorder | Unknown]] = dict(zip(regions, pool.map(self._trails_in, regions),
                                                                     strict=True))
        self.lakes: list[_Recorder | Unknown] = [item for found in pool.map(self._lakes_in, scanned) for item in found]

    def _trails_in(self, region: str) -> list[_Recorder | Unknown]:
        """Every trail that may record ``region`` (its own and other regions' multi-region trails)."""
        try:
            listed = self.session.client("cloudtrail", region).describe_trails(includeShadowTrails=True)
        except api_errors() as err:
            return [Unknown(f"the trails of {region} could not be listed: {reason(err)}", "DescribeTrails",
                            error=True, spread=True)]
        out: list[_Recorder | Unknown] = []
        for trail in listed.get("trailList", []):
            home = str(trail.get("HomeRegion") or region)
            arn = str(trail.get("TrailARN"))
            client = self.session.client("cloudtrail", home)
            selectors: Any
            try:
                selectors = client.get_event_selectors(TrailName=arn).get("AdvancedEventSelectors") or []
            except api_errors() as err:
                selectors = Unknown(f"the event selectors of {arn} could not be read: {reason(err)}",
                                    "GetEventSelectors", error=True)
            logging: Truth
            try:
                logging = bool(client.get_trail_status(Name=arn).get("IsLogging"))
            except api_errors() as err:
                logging = Unknown(f"whether {arn} is logging could not be read: {reason(err)}", "GetTrailStatus",
                                  error=True)
            out.append(_Recorder(arn, selectors, bool(trail.get("IsMultiRegionTrail")), home, logging))
        return out

    def _lakes_in(self, region: str) -> list[_Recorder | Unknown]:
        """Every event data store homed in ``region``."""
        client = self.session.client("cloudtrail", region)
        arns: list[str] = []
        try:
            kwargs: dict[str, Any] = {}
            while True:
                page = client.list_event_data_stores(**kwargs)
                arns += [str(e.get("EventDataStoreArn")) for e in page.get("EventDataStores", [])]
                if not page.get("NextToken"):
                    break
                kwargs["NextToken"] = page["NextToken"]
        except api_errors() as err:
            return [Unknown(f"the event data stores of {region} could not be listed: {reason(err)}",
                            "ListEventDataStores", error=True, spread=True)]
        out: list[_Recorder | Unknown] = []
        for arn in arns:
            try:
                found = client.get_event_data_store(EventDataStore=arn)
            except api_errors() as err:
                why = Unknown(f"event data store {arn} could not be read: {reason(err)}", "GetEventDataStore",
                              error=True)
                out.append(_Recorder(arn, why, why, region, why))
                continue
            status = str(found.get("Status"))
            logging: Truth = _EDS_STATES.get(status, Unknown(f"event data store {arn} is {status}",
                                                              "GetEventDataStore"))
            out.append(_Recorder(arn, found.get("AdvancedEventSelectors") or [], bool(found.get("MultiRegionEnabled")),
                                 region, logging))
        return out

    def audit(self, region: str, store: DataStore) -> dict[str, Any]:
        items: list[Any] = []
        for recorder in [*self.trails.get(region, []), *self.lakes]:
            if isinstance(recorder, Unknown):
                items.append(recorder)
                continue
            items += selector_items(recorder.label, recorder.selectors, store, region_covers=recorder.records(region),
                                    logging=recorder.logging)
        return {"data_events": items}
