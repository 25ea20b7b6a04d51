"""Minimal Django settings for the fan-out example (no database needed)."""

import os

SECRET_KEY = "example-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "fanout_site.urls"
INSTALLED_APPS: list = []
MIDDLEWARE: list = []
DATABASES: dict = {}
USE_TZ = True
# The backend the view fans out to (the tests point it at the fixture server).
BACKEND_URL = os.environ.get("BACKEND_URL", "http://127.0.0.1:8080")
