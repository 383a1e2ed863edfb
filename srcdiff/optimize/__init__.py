"""Stage 4, the optimizations of generated code: loop-invariant hoisting, dead stores, copy
propagation, lazy adjoints (passes).
"""
