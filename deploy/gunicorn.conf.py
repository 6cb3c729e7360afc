"""gunicorn settings for the container (Dockerfile and docker-compose.yml), from the environment.

Loaded with `gunicorn -c deploy/gunicorn.conf.py ldn_portal.wsgi:application`.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))

# The scheme (X-Forwarded-Proto and the like) is taken from the proxy in front only when the
# request comes from one of these addresses or networks (comma-separated); from anyone else the
# headers are ignored. gunicorn's own default, also when the variable is empty: this machine.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"

# The control socket would be created in $HOME, which belongs to root in the image (the app
# user may write only the media folder); nothing here uses it.
control_socket_disable = True

# Access log without personal data: the path without its query string (searches such as
# "lupus pregnancy", admin searches by e-mail address), and no client address, referrer or
# user agent, which would tie what was read to who read it. Status, size and time stay for
# operations.
accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
