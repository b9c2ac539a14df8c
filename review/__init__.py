"""Competency Review: check agencies' policy documents against a competency framework.

The package is the domain and its services; it never imports Streamlit. Modules:

- ``framework``  – competency frameworks as data (load, validate, list)
- ``parsing``    – .docx/.txt/.md → ordered sections
- ``matching``   – rapidfuzz suggester: section → competency suggestions with evidence
- ``evaluation`` – precision/recall of the suggester against a labeled set
- ``workflow``   – the review workflow declared as data (states, transitions, guards)
- ``storage``    – the repository interface and its TinyDB implementation
- ``services``   – what the UI and the CLI call; every call takes the acting user
- ``auth``       – password hashing (scrypt) and sign-in throttling
- ``reports``    – Word review report and the annotated policy
- ``cli``        – the ``competency-review`` command
"""

__version__ = "0.1.0"
