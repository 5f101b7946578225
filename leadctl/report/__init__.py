"""The HTML report: ``sections`` (the registry, one function per section), ``charts``
(matplotlib → inline SVG), ``build`` (collect the sections; render one self-contained HTML
file or JSON), ``browser`` (headless Chromium over the DevTools protocol, for tests and
screenshots)."""
