"""clout: nightly influence scoring and gaming detection."""
