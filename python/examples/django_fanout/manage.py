#!/usr/bin/env python
"""Run the example: BACKEND_URL=http://127.0.0.1:PORT python manage.py runserver"""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanout_site.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
