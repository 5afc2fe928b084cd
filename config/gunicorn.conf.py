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
# gunicorn 25.1+ opens a control socket (for `gunicornc`) at $XDG_RUNTIME_DIR/gunicorn.ctl or
# ~/.gunicorn/gunicorn.ctl: one path for every instance a user runs, so a second instance on the machine
# (make run beside make bench, two deployments under one account) takes over or removes the first's.
# The platform does not use it: off. (Older gunicorn ignores the unknown name.)
control_socket_disable = True
