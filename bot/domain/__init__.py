"""Records and pure rules of each capability: plain values in, plain values out, no I/O."""
