"""AWS HealthImaging data stores (``aws.healthimaging.datastore``), per region, as facts.

ListDatastores (paginated) in every scanned region that offers HealthImaging; a data store being
deleted (``DELETED``) is gone and skipped. HealthImaging is offered in a few regions only: a region
outside :data:`OFFERED` whose HealthImaging endpoint has no DNS name (AWS publishes one only where
the service runs) has no data store and is not asked (asking would cost a connection error per
retry, and trip that region's circuit breaker). A listing that fails in a region that offers it
(denied, throttled past the retries, ``UnrecognizedClientException``, an endpoint that does not
answer) is a :class:`CollectionFailure` for that region, so every HealthImaging rule is ``error``
there, never "no data store, nothing wrong". Image data is never read: only configuration.

=============================  ===========================================================  =====================
fact key                       meaning                                                      source
=============================  ===========================================================  =====================
``datastore_name``             the data store's name                                        GetDatastore
``status``                     CREATING / ACTIVE / CREATE_FAILED / DELETING                 GetDatastore
``encryption.kms_key_arn``     the KMS key named at creation (None: an AWS owned key)       GetDatastore
``encryption.customer_``       False without a key or for ``alias/aws/*``, else             kms:DescribeKey
``managed_key``                DescribeKey's KeyManager (unknown, as an error, when it      (once per key)
                               cannot be described)
``external_access[]``          roles outsiders may assume that grant HealthImaging on the   GetAccountAuthoriza-
                               data store (scanner/healthimaging/access.py); unreadable     tionDetails
                               when the role details cannot be read
``audit.data_events[]``        trails / event data stores recording its data events         DescribeTrails, Get-
                               (scanner/healthimaging/events.py)                            EventSelectors, Get-
                                                                                            TrailStatus, ListEvent-
                                                                                            DataStores, GetEvent-
                                                                                            DataStore
``tags``                       tags as a flat dict (also ``Resource.tags``)                 ListTagsForResource
=============================  ===========================================================  =====================

The account-wide reads (roles, trails, event data stores) happen once, only when a data store was
found (scanner/collectors/aws/healthimaging_context.py).
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import Any
from urllib.parse import urlsplit

from scanner.collectors.aws.errors import api_errors, reason
from scanner.collectors.aws.healthimaging_context import Recorders, Roles
from scanner.collectors.aws.network import Collected
from scanner.collectors.aws.session import AwsSession, FactReader
from scanner.collectors.aws.storage import KeyManagers
from scanner.facts.resource import CollectionFailure, Resource
from scanner.facts.values import Unknown
from scanner.healthimaging.arns import DataStore

log = logging.getLogger("pacscan.aws")

#: regions where AWS offers HealthImaging (2026); others are asked only when their endpoint resolves
OFFERED = frozenset({"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"})
KIND = "aws.healthimaging.datastore"
SERVICE = "medical-imaging"
_GONE = ("DELETED",)
_DESCRIBED = ("datastore_name", "status", "encryption")


def offered(session: AwsSession, region: str) -> bool:
    """Whether ``region`` may have HealthImaging data stores: a region known to offer it, an endpoint
    configured for it (an emulator, a proxy), or an AWS endpoint name that resolves."""
    if region in OFFERED:
        return True
    host = urlsplit(session.client(SERVICE, region).meta.endpoint_url).hostname or ""
    if not host.endswith(".amazonaws.com"):
        return True
    try:
        socket.getaddrinfo(host, 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        log.debug("HealthImaging is not offered in %s (%s has no address)", region, host)
        return False
    return True


def collect_datastores(session: AwsSession, regions: Sequence[str], pool: Executor) -> Collected:
    regions = [r for r, ok in zip(regions, pool.map(lambda r: offered(session, r), regions), strict=True) if ok]
    listings = {region: pool.submit(_list, session, region) for region in regions}
    failures: list[CollectionFailure] = []
    found: list[tuple[str, Mapping[str, Any]]] = []
    for region, listing in listings.items():
        summaries, error = listing.result()
        if error is not None:
            failures.append(CollectionFailure("aws", KIND, session.account, region, error))
            continue
        found += [(region, s) for s in summaries if s.get("datastoreStatus") not in _GONE]
    if not found:
        return [], failures
    roles = Roles(session)
    recorders = Recorders(session, pool, regions, sorted({region for region, _ in found}))
    keys = KeyManagers(session)
    futures = [pool.submit(_datastore, session, region, summary, keys) for region, summary in found]
    resources = []
    for (region, _summary), future in zip(found, futures, strict=True):
        resource = future.result()
        store = DataStore.from_arn(resource.id)
        facts = dict(resource.facts)
        errors = dict(resource.errors)
        if roles.error is not None:
            errors["external_access"] = f"the account's roles could not be read: {roles.error}"
        else:
            facts["external_access"] = roles.items(store)
        facts["audit"] = recorders.audit(region, store)
        resources.append(Resource(
            provider="aws", type=KIND, id=resource.id, name=resource.name, account=session.account, region=region,
            tags=resource.tags, facts=facts, errors=errors, origins={
                **resource.origins, "external_access": "GetAccountAuthorizationDetails",
                "audit": "CloudTrail trails and event data stores"}))
    return resources, failures


def _list(session: AwsSession, region: str) -> tuple[list[Mapping[str, Any]], str | None]:
    try:
        pages = session.client(SERVICE, region).get_paginator("list_datastores").paginate()
        return [s for page in pages for s in page.get("datastoreSummaries", [])], None
    except api_errors() as err:
        return [], reason(err)


def _datastore(session: AwsSession, region: str, summary: Mapping[str, Any], keys: KeyManagers) -> Resource:
    """The data store's own facts; one that cannot be described is kept, its facts unreadable."""
    client = session.client(SERVICE, region)
    datastore_id = str(summary.get("datastoreId"))
    arn = str(summary.get("datastoreArn") or
              f"arn:aws:medical-imaging:{region}:{session.account}:datastore/{datastore_id}")
    reader = FactReader()
    properties = reader.read("properties", lambda: client.get_datastore(datastoreId=datastore_id)
                             ["datastoreProperties"])
    if properties is None:
        why = reader.errors.pop("properties", "GetDatastore returned no properties")
        reader.errors.update(dict.fromkeys(_DESCRIBED, why))
    else:
        reader.facts.pop("properties")
        reader.facts.update(_described(properties, keys, region))
    reader.read("tags", lambda: client.list_tags_for_resource(resourceArn=arn), lambda r: dict(r.get("tags") or {}))
    tags: Mapping[str, Any] | Unknown = dict(reader.facts.get("tags") or {})
    if "tags" in reader.errors:
        tags = Unknown(f"tags could not be read: {reader.errors['tags']}", "ListTagsForResource", error=True)
    origins = {"datastore_name": "GetDatastore", "status": "GetDatastore", "encryption": "GetDatastore",
               "tags": "ListTagsForResource"}
    name = str(summary.get("datastoreName") or datastore_id)
    return Resource(provider="aws", type=KIND, id=arn, name=name, account=session.account, region=region,
                    tags=tags, facts=reader.facts, errors=reader.errors, origins=origins)


def _described(properties: Mapping[str, Any], keys: KeyManagers, region: str) -> dict[str, Any]:
    key = properties.get("kmsKeyArn") or None
    managed: Any = False if key is None else keys.customer_managed(str(key), region)
    return {"datastore_name": properties.get("datastoreName"), "status": properties.get("datastoreStatus"),
            "encryption": {"kms_key_arn": key, "customer_managed_key": managed}}
