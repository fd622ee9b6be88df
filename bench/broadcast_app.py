"""The registry's WSGI app plus a bare "hello" route, for bench/bench_broadcast.py: the
ceiling of a page is the hello endpoint served by the same gunicorn, the same workers and
the same process configuration (gunicorn.conf.py) in the same run."""
from wsgi import app


@app.get("/bench/hello")
def bench_hello():
    return "hello"
