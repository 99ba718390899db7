"""History schema revisions, oldest first by `down_revision`; each upgrades and downgrades."""
