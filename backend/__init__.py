"""livegallery backend: runs gallery cells in hardened Docker sandboxes."""
