"""The wire: connection, request coroutine, encoder and writer, parser, build selection."""
