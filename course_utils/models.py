"""The course's networks (chapters 05 and later)."""

from __future__ import annotations
