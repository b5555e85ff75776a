def write(rendered, stage, options): return []
