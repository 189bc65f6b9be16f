"""Full-text search over cases and documents (issue 7). To be written."""
