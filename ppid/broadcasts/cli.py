"""CLI commands of following (the daily digest): see ppid.broadcasts.digest."""
