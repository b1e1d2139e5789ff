"""HTML rendering shared by the web portal and the institution report: page templates and
server-side SVG charts (no JavaScript and no network needed to read them)."""
