"""AWS collector (boto3). Read-only; the IAM policy it needs is ``policies/iam/pacscan-readonly.json``."""
