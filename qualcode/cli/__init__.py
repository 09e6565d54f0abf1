"""The ``qualcode`` command: parses arguments, calls one library function, prints."""
