"""Cloud KMS keys (resource type ``gcp.kms.crypto_key``).

``locations.list`` for the project, then ``keyRings.list`` per location and ``cryptoKeys.list`` per key
ring (bounded concurrency). A failed listing becomes a ``CollectionFailure`` for ``gcp.kms.crypto_key``:
for the project (locations), or for the location (key rings, crypto keys). ``address`` is the key's
resource name ``projects/P/locations/L/keyRings/R/cryptoKeys/K``; ``region`` the location.

| key | meaning | source |
| --- | --- | --- |
| ``rotation_period_seconds`` | automatic rotation period in seconds; None when the key never rotates | cryptoKeys.list ``rotationPeriod`` |
| ``next_rotation_time`` | RFC 3339 time, None when unset | ``nextRotationTime`` |
| ``purpose`` | e.g. ``ENCRYPT_DECRYPT``, ``ASYMMETRIC_SIGN`` | ``purpose`` |
| ``protection_level`` | ``SOFTWARE`` / ``HSM`` / ``EXTERNAL``...; None without a primary or template | ``versionTemplate.protectionLevel`` |
| ``primary_state`` | state of the primary version (``ENABLED``...), None without one | ``primary.state`` |
"""  # noqa: E501

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from scanner.collectors.gcp.errors import api_errors, reason
from scanner.collectors.gcp.session import GcpSession
from scanner.facts.resource import CollectionFailure, Resource

TYPE = "gcp.kms.crypto_key"
Result = tuple[list[Resource], list[CollectionFailure]]


def collect(session: GcpSession, workers: int) -> Result:
    try:
        locations = _locations(session)
    except api_errors() as err:
        return [], [CollectionFailure("gcp", TYPE, session.project, None, reason(err))]
    resources: list[Resource] = []
    failures: list[CollectionFailure] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for found, failed in pool.map(lambda loc: _location(session, loc), locations):
            resources += found
            failures += failed
    return resources, failures


def _locations(session: GcpSession) -> list[str]:
    from google.cloud.location import locations_pb2  # type: ignore[import-untyped]

    client = session.client("kms")
    out: list[str] = []
    token = ""
    while True:
        request = locations_pb2.ListLocationsRequest(name=f"projects/{session.project}", page_token=token)
        page = session.call("cloudkms:locations.list", partial(
            client.list_locations, request=request, retry=session.retry, timeout=session.timeout))
        out += [loc.location_id for loc in page.locations]
        token = page.next_page_token
        if not token:
            return sorted(out)


def _location(session: GcpSession, location: str) -> Result:
    client = session.client("kms")
    parent = f"projects/{session.project}/locations/{location}"
    try:
        rings = session.call("cloudkms:keyRings.list", lambda: [r.name for r in client.list_key_rings(
            parent=parent, retry=session.retry, timeout=session.timeout)])
    except api_errors() as err:
        return [], [CollectionFailure("gcp", TYPE, session.project, location, f"key rings: {reason(err)}")]
    resources: list[Resource] = []
    failures: list[CollectionFailure] = []
    for ring in rings:
        try:
            keys: list[Any] = session.call("cloudkms:cryptoKeys.list", partial(
                _all, client.list_crypto_keys, parent=ring, retry=session.retry, timeout=session.timeout))
        except api_errors() as err:
            failures.append(CollectionFailure("gcp", TYPE, session.project, location,
                                              f"crypto keys of {ring}: {reason(err)}"))
            continue
        resources += [_key(session, location, key) for key in keys]
    return resources, failures


def _all(method: Any, **kwargs: Any) -> list[Any]:
    return list(method(**kwargs))


def key_facts(key: Any) -> dict[str, Any]:
    rotation = key.rotation_period if "rotation_period" in key else None
    next_rotation = key.next_rotation_time if "next_rotation_time" in key else None
    primary = key.primary if "primary" in key else None
    template = key.version_template if "version_template" in key else None
    return {
        "rotation_period_seconds": int(rotation.total_seconds()) if rotation is not None else None,
        "next_rotation_time": next_rotation.isoformat() if next_rotation is not None else None,
        "purpose": key.purpose.name,
        "protection_level": template.protection_level.name if template is not None else None,
        "primary_state": primary.state.name if primary is not None else None,
    }


def _key(session: GcpSession, location: str, key: Any) -> Resource:
    name = str(key.name)
    return Resource(provider="gcp", type=TYPE, id=name, name=name.rsplit("/", 1)[-1], account=session.project,
                         region=location, tags={str(k): str(v) for k, v in key.labels.items()},
                         facts=key_facts(key))
