"""The REFI-QDA file format (QDA-XML 1.0): a safe archive reader, the XML model, positions, reading and writing.
Knows nothing of projects: importing into and exporting from a project is :mod:`qualcode.exchange`."""
