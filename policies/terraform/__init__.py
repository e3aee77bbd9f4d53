"""pacscan Python Checkov checks for Terraform (one module per topic, named <provider>_<topic>.py)."""
