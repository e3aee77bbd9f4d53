"""The rule engine: typed facts + YAML rules -> findings, with three-valued logic. Pure: it never
calls a cloud or reads a file, and it judges Terraform and live resources alike."""
