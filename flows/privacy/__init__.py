"""Privacy: the consent gate, the user's own data (export, erasure, reflections)."""
