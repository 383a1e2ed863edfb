"""Stage 3, the transforms: reverse mode (reverse), forward mode (forward), and the recording of
the values the adjoint needs (record).
"""
