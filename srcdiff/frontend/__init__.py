"""Stage 1, the frontend: read a function's source (capture), inline the helpers that change
their arguments (inline), and rewrite it into the normal form the transforms take (normalize).
"""
