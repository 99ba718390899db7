"""Risk tests; a package so that its helper module is imported relative to it."""
