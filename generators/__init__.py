"""Reference-template generators for `tmpllint new` (one module per pattern; none yet)."""
