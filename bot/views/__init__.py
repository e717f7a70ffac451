"""Block Kit builders, one module per capability: plain data in, (text, blocks) or a View out."""
