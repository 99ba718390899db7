"""Allocate tests; a package so they may share the detector tests' worlds (`detect`)."""
