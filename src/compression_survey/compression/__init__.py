"""Small, tested implementations of the compression methods the demonstration notebooks show.

Each module cites the paper it follows by its citation key in ``references.bib``.
"""
