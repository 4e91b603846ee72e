"""The explorer's data as embedded in the page (the browser behaviour is in tests/browser/test_explorer.py)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from compression_survey.explorer import script_json


def test_script_json_reads_back_unchanged_and_is_safe_in_html_and_xhtml():
    payload = {"title": "Q&A </script><b>x</b> 量化", "venue": "a > b", "n": [1, 2]}
    text = script_json(payload)
    assert json.loads(text) == payload
    assert not set("<>&") & set(text)
    # an XML parser (EPUB's XHTML) takes it as the element's text
    element = ET.fromstring(f'<script type="application/json">{text}</script>')
    assert json.loads(element.text) == payload
