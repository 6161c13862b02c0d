"""Rule functions over one resource or one stack, independent of how they are invoked."""
