"""Reference data: target audiences and regional centres."""
