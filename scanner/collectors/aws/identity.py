"""IAM identity facts: the account's root user, and IAM users who can sign in to the console.

``aws.iam.account`` (id: ``arn:aws:iam::<account>:root``; region ``None``: IAM is global)

===========================  ================================================  ==================
key                          meaning                                           source
===========================  ================================================  ==================
root_mfa_enabled             the root user has an MFA device                   GetAccountSummary
                             (AccountMFAEnabled = 1)
root_access_keys_present     the root user has access keys                     GetAccountSummary
                             (AccountAccessKeysPresent = 1)
===========================  ================================================  ==================

``aws.iam.user`` (id: the user ARN; region ``None``)

===============  ============================================================  ===================
key              meaning                                                       source
===============  ============================================================  ===================
user_name        the user                                                      ListUsers
console_access   has a console password (login profile); ``False`` when        GetLoginProfile
                 GetLoginProfile answers NoSuchEntity
mfa_devices      number of MFA devices assigned                                ListMFADevices
===============  ============================================================  ===================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

from scanner.collectors.aws.errors import error_code, reason
from scanner.collectors.aws.network import Collected, paginate, partition
from scanner.collectors.aws.reads import READS
from scanner.collectors.aws.session import AwsSession, FactReader
from scanner.collectors.planned import read_planned
from scanner.engine.plan import KindPlan
from scanner.facts.resource import CollectionFailure, Resource

ACCOUNT = "aws.iam.account"
USER = "aws.iam.user"


def _summary_flag(name: str) -> Any:
    def transform(response: Mapping[str, Any]) -> bool:
        return int(response["SummaryMap"][name]) == 1

    return transform


def collect_account(session: AwsSession, regions: Sequence[str], pool: Executor) -> Collected:
    """One GetAccountSummary call; unreadable facts are errors on the account resource."""
    del pool
    home = regions[0] if regions else None
    client = session.client("iam", home)
    reader = FactReader()
    summary = reader.read("root_mfa_enabled", client.get_account_summary)
    if summary is not None:
        reader.facts["root_mfa_enabled"] = _summary_flag("AccountMFAEnabled")(summary)
        reader.facts["root_access_keys_present"] = _summary_flag("AccountAccessKeysPresent")(summary)
    elif "root_mfa_enabled" in reader.errors:
        reader.errors["root_access_keys_present"] = reader.errors["root_mfa_enabled"]
    account = Resource(
        provider="aws", type=ACCOUNT, id=f"arn:{partition(home)}:iam::{session.account}:root",
        name=f"root ({session.account})", account=session.account, region=None,
        facts=reader.facts, errors=reader.errors,
    )
    return [account], []


def _console_access(client: Any, user_name: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        client.get_login_profile(UserName=user_name)
    except ClientError as err:
        if error_code(err) == "NoSuchEntity":
            return False
        raise
    return True


def _user(raw: Mapping[str, Any], client: Any, account: str, plan: KindPlan) -> Resource:
    """GetLoginProfile first: a user without console access needs no ListMFADevices where the only
    rule reading MFA devices applies to console users (the read plan says so)."""
    name = str(raw["UserName"])
    reader = FactReader(facts={"user_name": name})
    calls: dict[str, Callable[[], Any]] = {
        "console_access": lambda: reader.read("console_access", lambda: _console_access(client, name)),
        "mfa_devices": lambda: reader.read(
            "mfa_devices", lambda: paginate(client, "list_mfa_devices", "MFADevices", UserName=name), len),
    }
    skipped = read_planned(reader, plan, READS[USER], calls, names=(name,))
    return Resource(provider="aws", type=USER, id=str(raw["Arn"]), name=name, account=account, region=None,
                    facts=reader.facts, errors=reader.errors, skipped=skipped)


def collect_users(session: AwsSession, regions: Sequence[str], pool: Executor) -> Collected:
    """IAM users (global): ListUsers, then per user GetLoginProfile and ListMFADevices on ``pool``."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = session.client("iam", regions[0] if regions else None)
    try:
        users = paginate(client, "list_users", "Users")
    except (BotoCoreError, ClientError) as err:
        return [], [CollectionFailure("aws", USER, session.account, None, reason(err))]
    plan = session.plan.kind(USER)
    return list(pool.map(lambda u: _user(u, client, session.account, plan), users)), []
