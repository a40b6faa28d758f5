"""Sphinx configuration of the API reference (built from the docstrings).

Build: ``python -m sphinx -W -b html docs build/docs`` (``pip install
".[docs]"``); ``tests/docs/test_api_reference.py`` builds it with warnings as errors.
The Markdown pages beside this file are read as they are; only ``*.rst`` is built.
"""
from __future__ import annotations

import kucoin_fast

project = "kucoin_fast"
author = "kucoin_fast developers"
copyright = "kucoin_fast developers"
release = version = kucoin_fast.__version__

extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon"]
source_suffix = {".rst": "restructuredtext"}
exclude_patterns = ["_build"]
root_doc = "index"

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False

html_theme = "alabaster"
html_static_path: list[str] = []
