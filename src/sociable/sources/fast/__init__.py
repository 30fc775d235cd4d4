"""Line mappers: quick routes that map a chunk of JSON Lines at once (see README.md and store/fast)."""
