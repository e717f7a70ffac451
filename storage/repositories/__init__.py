"""Small query functions per aggregate. They take a Session and never commit: services own transactions."""
