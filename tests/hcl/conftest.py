"""Evaluator tests: a pacscan bug inside evaluation raises instead of becoming an unknown."""

from __future__ import annotations

import os

os.environ["PACSCAN_HCL_STRICT"] = "1"
