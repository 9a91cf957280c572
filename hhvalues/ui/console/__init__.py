"""The researcher and admin console: login, and pages per role (given by the navigation)."""
