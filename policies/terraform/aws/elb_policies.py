"""The TLS versions each predefined ELB security policy accepts (Application and Network Load
Balancers), from the AWS documentation's "Protocols by policy" tables ("Security policies for your
Application Load Balancer" / "... Network Load Balancer": TLS, FIPS, FS, post-quantum and RFC 9151
policies).

Live scans ask DescribeSSLPolicies instead; a Terraform configuration names a policy before it is
applied, so the name is looked up here. A name that is not in this table is not a policy pacscan
knows: its versions are unknown, never assumed. A policy's name states its lowest version
(``...TLS13-1-2-...`` accepts TLS 1.2 and 1.3), which the test of this table checks.
"""

from __future__ import annotations

from collections.abc import Mapping

#: what the provider and the API use when ``ssl_policy`` is not set on an HTTPS/TLS listener
DEFAULT_POLICY = "ELBSecurityPolicy-2016-08"

_FROM_1_0 = ("1.0", "1.1", "1.2")
_FROM_1_1 = ("1.1", "1.2")
_FROM_1_2 = ("1.2",)
_TLS13_FROM_1_0 = ("1.0", "1.1", "1.2", "1.3")
_TLS13_FROM_1_1 = ("1.1", "1.2", "1.3")
_TLS13_FROM_1_2 = ("1.2", "1.3")
_TLS13_ONLY = ("1.3",)

_P = "ELBSecurityPolicy-"

#: policy name -> the TLS versions it accepts, lowest first
TLS_VERSIONS: Mapping[str, tuple[str, ...]] = {
    # TLS security policies
    f"{_P}TLS13-1-3-2021-06": _TLS13_ONLY,
    f"{_P}TLS13-1-2-2021-06": _TLS13_FROM_1_2,
    f"{_P}TLS13-1-2-Res-2021-06": _TLS13_FROM_1_2,
    f"{_P}TLS13-1-2-Ext2-2021-06": _TLS13_FROM_1_2,
    f"{_P}TLS13-1-2-Ext1-2021-06": _TLS13_FROM_1_2,
    f"{_P}TLS13-1-1-2021-06": _TLS13_FROM_1_1,
    f"{_P}TLS13-1-0-2021-06": _TLS13_FROM_1_0,
    f"{_P}TLS-1-2-Ext-2018-06": _FROM_1_2,
    f"{_P}TLS-1-2-2017-01": _FROM_1_2,
    f"{_P}TLS-1-1-2017-01": _FROM_1_1,
    f"{_P}2016-08": _FROM_1_0,
    f"{_P}2015-05": _FROM_1_0,
    f"{_P}TLS-1-0-2015-04": _FROM_1_0,
    # post-quantum (hybrid ML-KEM key exchange) policies
    f"{_P}TLS13-1-3-PQ-2025-09": _TLS13_ONLY,
    f"{_P}TLS13-1-2-PQ-2025-09": _TLS13_FROM_1_2,
    f"{_P}TLS13-1-2-Res-PQ-2025-09": _TLS13_FROM_1_2,
    f"{_P}TLS13-1-2-Ext1-PQ-2025-09": _TLS13_FROM_1_2,
    f"{_P}TLS13-1-2-Ext2-PQ-2025-09": _TLS13_FROM_1_2,
    f"{_P}TLS13-1-0-PQ-2025-09": _TLS13_FROM_1_0,
    # FIPS policies
    f"{_P}TLS13-1-3-FIPS-2023-04": _TLS13_ONLY,
    f"{_P}TLS13-1-2-FIPS-2023-04": _TLS13_FROM_1_2,
    f"{_P}TLS13-1-2-Res-FIPS-2023-04": _TLS13_FROM_1_2,
    f"{_P}TLS13-1-2-Ext2-FIPS-2023-04": _TLS13_FROM_1_2,
    f"{_P}TLS13-1-2-Ext1-FIPS-2023-04": _TLS13_FROM_1_2,
    f"{_P}TLS13-1-2-Ext0-FIPS-2023-04": _TLS13_FROM_1_2,
    f"{_P}TLS13-1-1-FIPS-2023-04": _TLS13_FROM_1_1,
    f"{_P}TLS13-1-0-FIPS-2023-04": _TLS13_FROM_1_0,
    f"{_P}TLS13-1-3-FIPS-PQ-2025-09": _TLS13_ONLY,
    f"{_P}TLS13-1-2-FIPS-PQ-2025-09": _TLS13_FROM_1_2,
    f"{_P}TLS13-1-2-Res-FIPS-PQ-2025-09": _TLS13_FROM_1_2,
    f"{_P}TLS13-1-2-Ext0-FIPS-PQ-2025-09": _TLS13_FROM_1_2,
    f"{_P}TLS13-1-2-Ext1-FIPS-PQ-2025-09": _TLS13_FROM_1_2,
    f"{_P}TLS13-1-2-Ext2-FIPS-PQ-2025-09": _TLS13_FROM_1_2,
    f"{_P}TLS13-1-0-FIPS-PQ-2025-09": _TLS13_FROM_1_0,
    # RFC 9151 (CNSA) FIPS policies
    f"{_P}TLS13-1-3-RFC9151-FIPS-2023-07": _TLS13_ONLY,
    f"{_P}TLS13-1-2-RFC9151-FIPS-2023-07": _TLS13_FROM_1_2,
    f"{_P}TLS13-1-2-Ext0-RFC9151-FIPS-2023-07": _TLS13_FROM_1_2,
    f"{_P}TLS13-1-2-RFC9151-INTEROP1-FIPS-2023-07": _TLS13_FROM_1_2,
    f"{_P}TLS13-1-2-RFC9151-INTEROP2-FIPS-2023-07": _TLS13_FROM_1_2,
    f"{_P}TLS13-1-2-RFC9151-INTEROP3-FIPS-2023-07": _TLS13_FROM_1_2,
    f"{_P}TLS13-1-2-RFC9151-INTEROP4-FIPS-2023-07": _TLS13_FROM_1_2,
    # forward-secrecy policies
    f"{_P}FS-1-2-Res-2020-10": _FROM_1_2,
    f"{_P}FS-1-2-Res-2019-08": _FROM_1_2,
    f"{_P}FS-1-2-2019-08": _FROM_1_2,
    f"{_P}FS-1-1-2019-08": _FROM_1_1,
    f"{_P}FS-2018-06": _FROM_1_0,
}
