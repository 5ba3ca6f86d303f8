"""The ``monitor`` command line (Typer). One module per command group."""
