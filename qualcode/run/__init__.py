"""The main job: writing an output folder, and coding a folder of transcripts into it."""
