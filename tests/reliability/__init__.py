"""Hostile and broken input: fuzzed loaders and hostile Terraform trees."""
