"""Terraform folders evaluated with Terraform's semantics: parser, evaluator and built-in functions."""
