"""Rule modules. Each rule is one class in one file; ``rules.api`` is all they may import."""
