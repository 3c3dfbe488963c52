"""govflow's built-in processes, each a plugin registered through ``govflow.plugins``."""
