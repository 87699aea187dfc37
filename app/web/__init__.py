"""The web shell, above every feature: the menu that registers each feature's screens and
APIs (``menu.py``), the landing page (``index.py``), the top bar of every page
(``topbar.py``) and the audit trail screen (``audit.py``). What a feature shows here it
registers in ``app/core/registry.py`` when the app is built."""
