"""Monthly reports API."""
