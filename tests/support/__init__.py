"""What the test layers share: fixtures, helpers and scripted journeys."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
