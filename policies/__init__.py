"""pacscan's policies as code and data beside the catalog.

``policies/terraform/`` holds the Terraform normalisers: evaluated Terraform instances in, the same
typed facts the live collectors produce out (one package per provider; see docs/architecture.md).
``policies/iam/`` holds the least-privilege AWS policies pacscan needs (read-only scan, de-identification
sampling, Organizations discovery).
"""
