"""AWS HealthImaging data stores, read the same way for Terraform and the live collector.

* :mod:`~scanner.healthimaging.arns`: does an ARN pattern (an IAM ``Resource`` entry, a CloudTrail
  ``resources.ARN`` filter) cover a data store whose ARN may be only partly known?
* :mod:`~scanner.healthimaging.access`: which HealthImaging actions a role's permission policies grant
  on a data store, and :mod:`~scanner.healthimaging.trust`: whether the role's trust policy lets the
  public or another AWS account in (together, the ``external_access`` fact);
* :mod:`~scanner.healthimaging.events`: which CloudTrail advanced event selectors record the data
  store's data events (the ``audit.data_events`` fact).

Every answer is three-valued (``True``, ``False`` or the :class:`~scanner.facts.values.Unknown` that
keeps it from being decided), as the rule engine's.
"""
