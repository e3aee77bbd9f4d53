"""The ARM fixture world: JSON built from the SDK's own models (so the wire shape is what the SDK
reads), registered on the fixture server per request path.

Subscription SUB holds every resource type, named after the outcome each rule should give;
subscription SUB2 holds only an activity-log export that misses the Security category.
"""

from __future__ import annotations

from typing import Any

from tests.azure.conftest import Answer, ArmServer, arm_error

SUB = "00000000-0000-0000-0000-0000000000a1"
SUB2 = "00000000-0000-0000-0000-0000000000b2"
RG = "rg-pacs"
GROUP = f"/subscriptions/{SUB}/resourceGroups/{RG}"


def account_id(name: str) -> str:
    return f"{GROUP}/providers/Microsoft.Storage/storageAccounts/{name}"


def _wire(model: Any) -> Any:
    return model.serialize(keep_readonly=True) if hasattr(model, "serialize") else model.as_dict()


def page(*models: Any) -> dict[str, Any]:
    return {"value": [_wire(m) for m in models]}


def _named(model: Any, rid: str, name: str) -> Any:
    model.id, model.name = rid, name
    return model


# --- storage -----------------------------------------------------------------------------------

def storage_account(name: str, good: bool, key: tuple[str, str] | None = None) -> Any:
    from azure.mgmt.storage import models as m

    encryption = m.Encryption(key_source="Microsoft.Storage", require_infrastructure_encryption=good)
    if key is not None:
        encryption = m.Encryption(key_source="Microsoft.Keyvault", require_infrastructure_encryption=True,
                                  key_vault_properties=m.KeyVaultProperties(
                                      key_vault_uri=f"https://{key[0]}.vault.azure.net/", key_name=key[1]))
    props = m.StorageAccountProperties(
        enable_https_traffic_only=good, minimum_tls_version="TLS1_2" if good else "TLS1_0",
        allow_blob_public_access=not good, allow_shared_key_access=False if good else None,
        public_network_access="Enabled",
        network_rule_set=m.NetworkRuleSet(default_action="Deny" if good else "Allow", bypass="AzureServices"),
        encryption=encryption,
        immutable_storage_with_versioning=m.ImmutableStorageAccount(
            enabled=True, immutability_policy=m.AccountImmutabilityPolicyProperties(
                immutability_period_since_creation_in_days=2190, state="Locked")) if good else None,
    )
    account = m.StorageAccount(location="eastus", sku=m.Sku(name="Standard_GRS" if good else "Standard_LRS"),
                               properties=props, tags={"data": "imaging"})
    return _named(account, account_id(name), name)


def blob_service(name: str, good: bool) -> Any:
    from azure.mgmt.storage import models as m

    service = m.BlobServiceProperties(blob_service_properties=m.BlobServicePropertiesProperties(
        is_versioning_enabled=good,
        delete_retention_policy=m.DeleteRetentionPolicy(enabled=good, days=30 if good else None),
        container_delete_retention_policy=m.DeleteRetentionPolicy(enabled=good, days=30 if good else None)))
    return _named(service, f"{account_id(name)}/blobServices/default", "default")


def container(account: str, name: str, public: str, state: str | None = None, days: int | None = None) -> Any:
    from azure.mgmt.storage import models as m

    props = m.ContainerProperties(public_access=public)
    if state is not None:
        policy = m.ImmutabilityPolicyProperties()
        policy.properties = m.ImmutabilityPolicyProperty(immutability_period_since_creation_in_days=days)
        policy.properties.state = state
        props.immutability_policy = policy
        props.has_immutability_policy = True
    item = m.ListContainerItem(properties=props)
    return _named(item, f"{account_id(account)}/blobServices/default/containers/{name}", name)


def lifecycle(account: str, delete_after_days: int) -> Any:
    from azure.mgmt.storage import models as m

    delete = m.DateAfterModification(days_after_modification_greater_than=delete_after_days)
    actions = m.ManagementPolicyAction(base_blob=m.ManagementPolicyBaseBlob(delete=delete))
    rule = m.ManagementPolicyRule(name="expire", enabled=True, type="Lifecycle",
                                  definition=m.ManagementPolicyDefinition(actions=actions))
    policy = m.ManagementPolicy(properties=m.ManagementPolicyProperties(policy=m.ManagementPolicySchema(rules=[rule])))
    return _named(policy, f"{account_id(account)}/managementPolicies/default", "default")


def blob_diagnostics(name: str, *categories: str) -> Any:
    from azure.mgmt.monitor.v2021_05_01_preview import models as m

    setting = m.DiagnosticSettingsResource(workspace_id=f"{GROUP}/providers/Microsoft.OperationalInsights/workspaces/w",
                                           logs=[m.LogSettings(category=c, enabled=True) for c in categories])
    setting.name = name
    return setting


# --- network -----------------------------------------------------------------------------------

def nsg_rule(name: str, priority: int, source: str, ports: str, protocol: str = "Tcp", direction: str = "Inbound",
             access: str = "Allow") -> Any:
    from azure.mgmt.network import models as m

    rule = m.SecurityRule(name=name, properties=m.SecurityRulePropertiesFormat(
        priority=priority, direction=direction, access=access, protocol=protocol, source_address_prefix=source,
        source_port_range="*", destination_address_prefix="*",
        **({"destination_port_ranges": ports.split(",")} if "," in ports else {"destination_port_range": ports})))
    return rule


def nsg(name: str, *rules: Any, location: str = "eastus") -> Any:
    from azure.mgmt.network import models as m

    group = m.NetworkSecurityGroup(location=location, properties=m.NetworkSecurityGroupPropertiesFormat(
        security_rules=list(rules)))
    group.id = f"{GROUP}/providers/Microsoft.Network/networkSecurityGroups/{name}"
    group.name = name
    return group


def watcher(location: str) -> Any:
    from azure.mgmt.network import models as m

    found = m.NetworkWatcher(location=location)
    found.id = f"{GROUP}/providers/Microsoft.Network/networkWatchers/nw-{location}"
    found.name = f"nw-{location}"
    return found


def flow_log(location: str, nsg_name: str, enabled: bool) -> Any:
    from azure.mgmt.network import models as m

    log = m.FlowLog(location=location, properties=m.FlowLogPropertiesFormat(
        target_resource_id=f"{GROUP}/providers/Microsoft.Network/networkSecurityGroups/{nsg_name}",
        storage_id=account_id("pass-account"), enabled=enabled))
    log.id = f"{GROUP}/providers/Microsoft.Network/networkWatchers/nw-{location}/flowLogs/fl-{nsg_name}"
    log.name = f"fl-{nsg_name}"
    return log


def gateway(name: str, **ssl: Any) -> Any:
    from azure.mgmt.network import models as m

    policy = m.ApplicationGatewaySslPolicy(**ssl) if ssl else None
    found = m.ApplicationGateway(location="eastus", properties=m.ApplicationGatewayPropertiesFormat(ssl_policy=policy))
    found.id = f"{GROUP}/providers/Microsoft.Network/applicationGateways/{name}"
    found.name = name
    return found


# --- recovery services --------------------------------------------------------------------------

def rsv(name: str, soft_delete: str, immutability: str | None) -> Any:
    from azure.mgmt.recoveryservices import models as m

    security = m.SecuritySettings(soft_delete_settings=m.SoftDeleteSettings(soft_delete_state=soft_delete,
                                                                            soft_delete_retention_period_in_days=14))
    if immutability is not None:
        security.immutability_settings = m.ImmutabilitySettings(state=immutability)
    vault = m.Vault(location="eastus", sku=m.Sku(name="RS0"), properties=m.VaultProperties(security_settings=security))
    return _named(vault, f"{GROUP}/providers/Microsoft.RecoveryServices/vaults/{name}", name)


def backup_policy(vault: str, name: str, kind: str, days: int) -> Any:
    from azure.mgmt.recoveryservicesbackup import models as m

    retention = m.LongTermRetentionPolicy(daily_schedule=m.DailyRetentionSchedule(
        retention_duration=m.RetentionDuration(count=days, duration_type="Days")))
    props: Any
    if kind == "vm":
        props = m.AzureIaaSVMProtectionPolicy(retention_policy=retention)
    elif kind == "files":
        props = m.AzureFileShareProtectionPolicy(retention_policy=retention)
    else:
        props = m.AzureVmWorkloadProtectionPolicy()
    policy = m.ProtectionPolicyResource(properties=props)
    return _named(policy, f"{GROUP}/providers/Microsoft.RecoveryServices/vaults/{vault}/backupPolicies/{name}", name)


# --- key vault -----------------------------------------------------------------------------------

def key_vault(name: str, purge_protection: bool | None) -> Any:
    from azure.mgmt.keyvault import models as m

    props = m.VaultProperties(tenant_id="00000000-0000-0000-0000-00000000feed", sku=m.Sku(family="A", name="standard"),
                              enable_soft_delete=True, enable_purge_protection=purge_protection,
                              vault_uri=f"https://{name}.vault.azure.net/")
    vault = m.Vault(location="eastus", properties=props)
    return _named(vault, f"{GROUP}/providers/Microsoft.KeyVault/vaults/{name}", name)


def key(vault: str, name: str, rotate: bool) -> Any:
    from azure.mgmt.keyvault import models as m

    actions = [m.LifetimeAction(trigger=m.Trigger(time_before_expiry="P30D"), action=m.Action(type="notify"))]
    if rotate:
        actions.append(m.LifetimeAction(trigger=m.Trigger(time_after_create="P90D"), action=m.Action(type="rotate")))
    found = m.Key(properties=m.KeyProperties(kty="RSA", rotation_policy=m.RotationPolicy(
        attributes=m.KeyRotationPolicyAttributes(expiry_time="P1Y"), lifetime_actions=actions)))
    return _named(found, f"{GROUP}/providers/Microsoft.KeyVault/vaults/{vault}/keys/{name}", name)


# --- monitor ---------------------------------------------------------------------------------------

def activity_export(name: str, *categories: str) -> Any:
    from azure.mgmt.monitor.v2021_05_01_preview import models as m

    setting = m.SubscriptionDiagnosticSettingsResource(
        workspace_id=f"{GROUP}/providers/Microsoft.OperationalInsights/workspaces/w",
        logs=[m.SubscriptionLogSettings(category=c, enabled=True) for c in categories])
    setting.name = name
    return setting


def subscription(sub: str) -> Any:
    from azure.mgmt.subscription.models import Subscription

    found = Subscription()
    found.id, found.subscription_id, found.display_name, found.state = f"/subscriptions/{sub}", sub, sub, "Enabled"
    return found


# --- health data services ---------------------------------------------------------------------------

WORKSPACE = f"{GROUP}/providers/Microsoft.HealthcareApis/workspaces/pacsws"


def private_endpoint(connection_id: str, endpoint: str, status: str = "Approved") -> Any:
    from azure.mgmt.healthcareapis import models as m

    found = m.PrivateEndpointConnection(
        private_endpoint=m.PrivateEndpoint(),
        private_link_service_connection_state=m.PrivateLinkServiceConnectionState(status=status))
    found.private_endpoint.id = f"{GROUP}/providers/Microsoft.Network/privateEndpoints/{endpoint}"
    found.id, found.name = connection_id, endpoint
    return found


def health_workspace(*endpoints: str) -> Any:
    from azure.mgmt.healthcareapis import models as m

    props = m.WorkspaceProperties(public_network_access="Disabled")
    props.private_endpoint_connections = [private_endpoint(f"{WORKSPACE}/privateEndpointConnections/{e}", e)
                                          for e in endpoints]
    return _named(m.Workspace(location="eastus", properties=props), WORKSPACE, "pacsws")


def dicom_id(name: str) -> str:
    return f"{WORKSPACE}/dicomservices/{name}"


def dicom_service(name: str, public: str | None, key_url: str | None = None, *endpoints: str) -> Any:
    from azure.mgmt.healthcareapis import models as m

    encryption = m.Encryption(customer_managed_key_encryption=m.EncryptionCustomerManagedKeyEncryption(
        key_encryption_key_url=key_url)) if key_url else None
    service = m.DicomService(location="eastus", public_network_access=public, encryption=encryption,
                             tags={"data": "imaging"})
    service.private_endpoint_connections = [private_endpoint(f"{dicom_id(name)}/privateEndpointConnections/{e}", e)
                                            for e in endpoints]
    return _named(service, dicom_id(name), name)


def _health(arm: ArmServer) -> None:
    arm.on(f"/subscriptions/{SUB}/providers/Microsoft.HealthcareApis/workspaces", page(health_workspace("pe-ws")))
    arm.on(f"{WORKSPACE}/dicomservices", page(
        dicom_service("pass-dicom", "Disabled", "https://pass-kv.vault.azure.net/keys/dicom", "pe-dicom"),
        dicom_service("fail-dicom", None)))
    arm.on(f"{dicom_id('pass-dicom')}/providers/Microsoft.Insights/diagnosticSettings",
           page(blob_diagnostics("audit", "AuditLogs")))
    arm.on(f"{dicom_id('fail-dicom')}/providers/Microsoft.Insights/diagnosticSettings",
           page(blob_diagnostics("diagnostics-only", "DiagnosticLogs")))


# --- the world --------------------------------------------------------------------------------------

ACCOUNTS = {  # name -> (compliant settings, CMK (vault, key))
    "pass-account": (True, ("pass-kv", "pass-key")),
    "fail-account": (False, None),
    "weak-key-account": (True, ("fail-kv", "fail-key")),
}


def _storage(arm: ArmServer) -> None:
    arm.on(f"/subscriptions/{SUB}/providers/Microsoft.Storage/storageAccounts",
           page(*(storage_account(n, good, key) for n, (good, key) in ACCOUNTS.items())))
    for name, (good, _key) in ACCOUNTS.items():
        base = account_id(name)
        arm.on(f"{base}/blobServices/default", _wire(blob_service(name, good)))
        if good:
            containers = page(container(name, "images", "None", "Locked", 2190), container(name, "reports", "None"))
            arm.on(f"{base}/managementPolicies/default", _wire(lifecycle(name, 2500)))
            diagnostics = page(blob_diagnostics("reads", "StorageRead", "StorageWrite", "StorageDelete"))
        else:
            containers = page(container(name, "images", "Blob", "Unlocked", 30), container(name, "reports", "None"))
            arm.on(f"{base}/managementPolicies/default", _wire(lifecycle(name, 30)))
            diagnostics = page(blob_diagnostics("writes-only", "StorageWrite"))
        arm.on(f"{base}/blobServices/default/containers", containers)
        arm.on(f"{base}/blobServices/default/providers/Microsoft.Insights/diagnosticSettings", diagnostics)


def _network(arm: ArmServer) -> None:
    net = f"/subscriptions/{SUB}/providers/Microsoft.Network"
    arm.on(f"{net}/networkSecurityGroups", page(
        nsg("pass-nsg", nsg_rule("https", 100, "Internet", "443"),
            nsg_rule("dicom-lan", 110, "10.0.0.0/8", "104,11112"),
            nsg_rule("deny-ssh", 120, "*", "22", access="Deny"), nsg_rule("out", 130, "*", "*", direction="Outbound")),
        nsg("fail-nsg-dicom", nsg_rule("dicom", 100, "Internet", "11112")),
        nsg("fail-nsg-admin", nsg_rule("rdp", 100, "0.0.0.0/0", "3389", protocol="*")),
        nsg("fail-nsg-west", nsg_rule("ssh", 100, "*", "20-25"), location="westus"),
    ))
    arm.on(f"{net}/networkWatchers", page(watcher("eastus"), watcher("westus")))
    arm.on(f"{GROUP}/providers/Microsoft.Network/networkWatchers/nw-eastus/flowLogs",
           page(flow_log("eastus", "pass-nsg", True), flow_log("eastus", "fail-nsg-dicom", False)))
    arm.on(f"{GROUP}/providers/Microsoft.Network/networkWatchers/nw-westus/flowLogs", page())
    arm.on(f"{net}/applicationGateways", page(
        gateway("pass-appgw", policy_type="Predefined", policy_name="AppGwSslPolicy20220101"),
        gateway("pass-appgw-custom", policy_type="CustomV2", min_protocol_version="TLSv1_2"),
        gateway("fail-appgw-old", policy_type="Predefined", policy_name="AppGwSslPolicy20150501"),
        gateway("fail-appgw-default"),
    ))


def _backup(arm: ArmServer) -> None:
    arm.on(f"/subscriptions/{SUB}/providers/Microsoft.RecoveryServices/vaults",
           page(rsv("pass-rsv", "Enabled", "Locked"), rsv("fail-rsv", "Disabled", None)))
    vaults = f"{GROUP}/providers/Microsoft.RecoveryServices/vaults"
    arm.on(f"{vaults}/pass-rsv/backupPolicies", page(backup_policy("pass-rsv", "pass-policy-vm", "vm", 35),
                                                     backup_policy("pass-rsv", "fail-policy-files", "files", 7)))
    arm.on(f"{vaults}/fail-rsv/backupPolicies", page(backup_policy("fail-rsv", "sql-policy", "sql", 1)))


def _keys(arm: ArmServer) -> None:
    arm.on(f"/subscriptions/{SUB}/providers/Microsoft.KeyVault/vaults",
           page(key_vault("pass-kv", True), key_vault("fail-kv", None)))
    arm.on(f"/subscriptions/{SUB2}/providers/Microsoft.KeyVault/vaults", page())
    vaults = f"{GROUP}/providers/Microsoft.KeyVault/vaults"
    arm.on(f"{vaults}/pass-kv/keys/pass-key", _wire(key("pass-kv", "pass-key", True)))
    arm.on(f"{vaults}/fail-kv/keys/fail-key", _wire(key("fail-kv", "fail-key", False)))


def _empty_subscription(arm: ArmServer, sub: str) -> None:
    for path in ("Microsoft.Storage/storageAccounts", "Microsoft.Network/networkSecurityGroups",
                 "Microsoft.Network/applicationGateways", "Microsoft.RecoveryServices/vaults",
                 "Microsoft.HealthcareApis/workspaces"):
        arm.on(f"/subscriptions/{sub}/providers/{path}", page())


def build(arm: ArmServer) -> None:
    arm.on("/subscriptions", page(subscription(SUB), subscription(SUB2)))
    _storage(arm)
    _network(arm)
    _backup(arm)
    _keys(arm)
    _health(arm)
    arm.on(f"/subscriptions/{SUB}/providers/Microsoft.Insights/diagnosticSettings",
           page(activity_export("to-workspace", "Administrative", "Security", "Policy")))
    _empty_subscription(arm, SUB2)
    arm.on(f"/subscriptions/{SUB2}/providers/Microsoft.Insights/diagnosticSettings",
           page(activity_export("admin-only", "Administrative")))


def denied(message: str = "The client does not have authorization to perform action") -> Answer:
    return arm_error(403, "AuthorizationFailed", message)


def throttled(retry_after: str = "0.05") -> Answer:
    return arm_error(429, "TooManyRequests", "Too many requests, retry later", {"Retry-After": retry_after})
