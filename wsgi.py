from ppid import create_app
app = create_app()
