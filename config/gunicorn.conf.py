"""gunicorn settings of the web process. The scheduler is never started here (see `pitf scheduler`)."""

import os

workers = int(os.environ.get("PITF_WORKERS", "2"))
worker_class = "sync"
timeout = 60
graceful_timeout = 30
# No preload: each worker opens its own database connections after the fork.
preload_app = False
accesslog = "-"
errorlog = "-"
# Behind a reverse proxy, set PITF_PROXY_HOPS=1 so the app reads the client address from
# X-Forwarded-For (sign-in lockouts count per address).
