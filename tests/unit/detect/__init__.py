"""Detect tests; a package so that test module names (test_pricing) may repeat elsewhere."""
