"""pacscan's own Checkov policies, for what built-in Checkov checks miss or get wrong.

``policies/terraform/*.py`` are Python resource checks (imported by pacscan, or by Checkov with
``--external-checks-dir policies/terraform``); ``policies/graph/*.yaml`` are Checkov YAML graph
checks. Parameterised checks read their values from :mod:`policies.parameters`.
"""
