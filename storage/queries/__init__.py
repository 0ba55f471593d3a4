"""Small async query functions, each taking its session and keyword-only arguments."""
