"""The browser: pages, editors' forms, history, downloads and their templates' helpers."""
