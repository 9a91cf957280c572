"""The play pages of demonstration studies (issue 6): a participant walks worlds under assigned values."""
