"""The composition root: settings in, one typed set of services out (for the app, the CLI
and the tests)."""
