"""Facts: what an input (Terraform, a cloud API, a DICOM peer) says about one resource, each value
known or unknown with its reason. The seam between inputs and the rule engine."""
