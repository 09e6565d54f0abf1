"""From files to model objects: transcript readers, normalisation, language, structure (turns, roles, sections),
segmentation, spaCy pipelines, the corpus with its attributes, codebook files, and the REFI-QDA file format."""
