"""Live scanning of Google Cloud projects: Cloud Storage, Compute Engine, Cloud KMS, project audit logs,
Cloud Healthcare API datasets and DICOM stores."""

from scanner.collectors.gcp.collector import GcpCollector
from scanner.collectors.gcp.credentials import PERMISSIONS, GcpProject
from scanner.collectors.gcp.session import GcpEndpoints, RetryPolicy

__all__ = ["PERMISSIONS", "GcpCollector", "GcpEndpoints", "GcpProject", "RetryPolicy"]
