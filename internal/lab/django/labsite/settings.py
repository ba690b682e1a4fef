"""Settings of the lab's Django project: the seed's two views and the
variants teams ship, with no database (the views need none)."""

# A lab on loopback: this key signs nothing that leaves the machine.
SECRET_KEY = "chunkscope-lab-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = []
# startproject's middleware, less what needs a database (sessions, auth,
# messages). GZipMiddleware and ConditionalGetMiddleware are applied per
# view (labsite/urls.py) so one server serves every variant.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "labsite.urls"
WSGI_APPLICATION = "labsite.wsgi.application"
DATABASES = {}
USE_TZ = True
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
