"""Stage 3, the transforms: reverse mode (reverse, a subpackage by construct), forward mode
(forward), what both share (common, quoting), and the recording of the values the adjoint needs
(record).
"""
