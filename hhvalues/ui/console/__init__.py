"""The researcher and admin console: login, pages per role (registered on the navigation)."""
