"""Human-readable views of run results (they read result dicts / files only)."""
